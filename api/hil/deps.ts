import type { Kysely } from 'kysely';
import type { Keyring } from '../../db/crypto';
import type { Database } from '../../db/database';
import type { NodeConsoles } from '../consoles';
import type { PowerDriver } from '../../drivers/power/power';
import type { HilHeadnodes } from './routes/headnodes';
import type { PowerCall, PowerOutcome } from '../../workflows/power-action';
import type { ObmCall } from '../../workflows/hil-device-calls';

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
  /**
   * An in-process power driver per BMC type (`ipmi`, `sim`): tests only. When absent, power calls
   * go to the lab's worker through `powerCall`; so do those of a type it answers undefined for.
   */
  power?: ((bmcType: string) => PowerDriver | undefined) | undefined;
  /** Runs one power call on the lab's worker (a short workflow) and waits for its outcome. */
  powerCall?: ((call: PowerCall) => Promise<PowerOutcome>) | undefined;
  /** Told of every recorded networking action, so the workflow that carries it out can start. */
  onNetworkAction?: ((statusId: string) => void | Promise<void>) | undefined;
  /** The switch driver's own port-name check for a switch type (e.g. `switchDriverFor(type).validatePort`). */
  validatePort?: ((switchType: string, port: string) => void) | undefined;
  /** Nodes' serial consoles, captured on the lab's worker (HIL's console API); without it the console calls answer an error. */
  consoles?: NodeConsoles | undefined;
  /** HIL's headnodes, made on the lab's worker; without it the headnode calls answer an error. */
  headnodes?: HilHeadnodes | undefined;
  /** Gets or drops an obmd node's token on the lab's worker (HIL's enable/disable OBM); without it obmd nodes' OBM cannot change. */
  obmCall?: ((call: ObmCall) => Promise<void>) | undefined;
}
