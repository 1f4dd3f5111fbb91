import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import type { Keyring } from '../db/crypto';
import type { NodeConsoles } from './consoles';
import { runHeadnodeCall, runObmCall } from './device-calls';
import type { PowerDriver } from '../drivers/power/power';
import { hilRoutes, type HilDeps } from './hil/index';
import { runPowerCall } from './power-actions';

export const HIL_PREFIX = '/v0';

/** What the API process is given for HIL's /v0, beyond what it shares with /v1. */
export interface HilOptions {
  /** Seals BMC and switch credentials before they are stored (LAAS_CREDENTIAL_KEYS). */
  keyring: Keyring;
  /** Basic password of the development administrator "admin" (LAAS_ADMIN_PASSWORD); unset = no Basic admin. */
  adminPassword?: string | undefined;
  /** An in-process power driver per BMC type (tests). Without it, power calls run on the lab's worker through Temporal. */
  power?: ((bmcType: string) => PowerDriver | undefined) | undefined;
  onNetworkAction?: HilDeps['onNetworkAction'];
  validatePort?: HilDeps['validatePort'];
  /**
   * HIL's headnodes, on the lab's headnode hypervisor through the lab's worker: true (1 vCPU,
   * 512 MiB each), sizes, or a runner of the calls (tests). The headnode calls answer an error when absent.
   */
  headnodes?: boolean | { vcpus?: number; memoryMiB?: number } | HilDeps['headnodes'];
  /** Serial consoles (HIL's console API): the server's, on the lab's worker, when absent. */
  consoles?: NodeConsoles | undefined;
  /** How obmd nodes' OBM is enabled and disabled: on the lab's worker when absent. */
  obmCall?: HilDeps['obmCall'];
}

function headnodesOf(option: HilOptions['headnodes'], onWorker: NonNullable<HilDeps['headnodes']>['call']): HilDeps['headnodes'] {
  if (!option) return undefined;
  if (option === true) return { call: onWorker };
  return 'call' in option ? option : { ...option, call: onWorker };
}

/** HIL's admin API under /v0, outside /v1's bearer hook (it authenticates Basic and bearer itself); its changes are audited too. */
export async function mountHil(
  app: FastifyInstance,
  deps: HilOptions & { db: Kysely<Database>; lab: string; adminToken: string; temporal: Client; taskQueue: string },
): Promise<void> {
  const hilDeps: HilDeps = {
    db: deps.db,
    lab: deps.lab,
    keyring: deps.keyring,
    adminToken: deps.adminToken,
    adminPassword: deps.adminPassword,
    power: deps.power,
    // BMCs are reached only by the lab's worker: each power call is a short workflow on its queue.
    powerCall: (call) => runPowerCall(deps.temporal, deps.taskQueue, call),
    onNetworkAction: deps.onNetworkAction,
    validatePort: deps.validatePort,
    consoles: deps.consoles,
    // Hypervisors and obmd are reached only by the lab's worker: each call is a short workflow on its queue.
    headnodes: headnodesOf(deps.headnodes, (call) => runHeadnodeCall(deps.temporal, deps.taskQueue, call)),
    obmCall: deps.obmCall ?? ((call) => runObmCall(deps.temporal, deps.taskQueue, call)),
  };
  await app.register(
    async (v0) => {
      await hilRoutes(v0, hilDeps);
    },
    { prefix: HIL_PREFIX },
  );
}
