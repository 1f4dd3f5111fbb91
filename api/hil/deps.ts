import type { Kysely } from 'kysely';
import type { Keyring } from '../../db/crypto';
import type { Database } from '../../db/database';
import type { PowerDriver } from '../../drivers/power/power';

export interface HilDeps {
  db: Kysely<Database>;
  /** The lab that nodes, switches and networks registered through this API belong to (created on first use). */
  lab: string;
  /** Seals BMC and switch credentials before they are stored. */
  keyring: Keyring;
  /** The development administrator's bearer token (LAAS_API_TOKEN). */
  adminToken: string;
  /** The development administrator's Basic password for user "admin" (LAAS_ADMIN_PASSWORD); unset = no Basic admin. */
  adminPassword?: string | undefined;
  /** The power driver for a node's BMC type (`ipmi`, `sim`). */
  power: (bmcType: string) => PowerDriver;
  /** Told of every recorded networking action, so the workflow that carries it out can start. */
  onNetworkAction?: ((statusId: string) => void | Promise<void>) | undefined;
  /** The switch driver's own port-name check for a switch type (e.g. `switchDriverFor(type).validatePort`). */
  validatePort?: ((switchType: string, port: string) => void) | undefined;
}
