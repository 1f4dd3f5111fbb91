import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import type { Keyring } from '../db/crypto';
import { DeviceError } from '../drivers/errors';
import type { PowerDriver } from '../drivers/power/power';
import { hilRoutes, type HilDeps } from './hil/index';
import { callerOf } from './hil/auth';
import { installAudit } from './audit';

export const HIL_PREFIX = '/v0';

/** What the API process is given for HIL's /v0, beyond what it shares with /v1. */
export interface HilOptions {
  /** Seals BMC and switch credentials before they are stored (LAAS_CREDENTIAL_KEYS). */
  keyring: Keyring;
  /** Basic password of the development administrator "admin" (LAAS_ADMIN_PASSWORD); unset = no Basic admin. */
  adminPassword?: string | undefined;
  /** An in-process power driver per BMC type (tests, the simulated lab). Without it, power calls are refused. */
  power?: ((bmcType: string) => PowerDriver) | undefined;
  onNetworkAction?: HilDeps['onNetworkAction'];
  validatePort?: HilDeps['validatePort'];
}

/** Refused while power goes through the lab's worker, which alone may reach the lab's BMCs. */
export class PowerNotAvailableHere extends DeviceError {
  constructor(bmcType: string) {
    super(
      'PowerNotAvailableHere',
      `power control of ${bmcType} BMCs is not available from the API process: BMCs are reached only by the lab's worker`,
      false,
      { bmcType },
    );
  }
}

function refusePower(bmcType: string): PowerDriver {
  throw new PowerNotAvailableHere(bmcType);
}

/** HIL's admin API under /v0, outside /v1's bearer hook (it authenticates Basic and bearer itself); its changes are audited too. */
export async function mountHil(app: FastifyInstance, deps: HilOptions & { db: Kysely<Database>; lab: string; adminToken: string }): Promise<void> {
  const hilDeps: HilDeps = {
    db: deps.db,
    lab: deps.lab,
    keyring: deps.keyring,
    adminToken: deps.adminToken,
    adminPassword: deps.adminPassword,
    power: deps.power ?? refusePower,
    onNetworkAction: deps.onNetworkAction,
    validatePort: deps.validatePort,
  };
  await app.register(
    async (v0) => {
      installAudit(v0, {
        db: deps.db,
        actorOf: (request) => {
          try {
            const caller = callerOf(request);
            return { actor: caller.name, actorKind: caller.isAdmin ? 'admin' : 'user' };
          } catch {
            return undefined;
          }
        },
      });
      await hilRoutes(v0, hilDeps);
    },
    { prefix: HIL_PREFIX },
  );
}
