import type { Kysely } from 'kysely';
import type { Keyring } from '../../db/crypto';
import type { Database } from '../../db/database';
import { BlockedError, IllegalStateError } from '../../db/errors';
import { getHost } from '../../db/hosts';
import { openObmdConsole } from '../../drivers/console/obmd';
import { openSimConsole } from '../../drivers/console/sim';
import { openSol, type SolOptions } from '../../drivers/console/sol';
import type { ConsoleOpener } from '../../drivers/console/source';
import { bmcTargetOf } from './obm';

/**
 * Opens a node's serial console the way its BMC offers one: IPMI serial-over-LAN with ipmitool,
 * obmd's console stream with the node token got when OBM was enabled, or the simulated lab's.
 */
export function nodeConsoleOpener(db: Kysely<Database>, keyring: Keyring, sol: SolOptions = {}): ConsoleOpener {
  return async (node) => {
    const host = await getHost(db, node);
    switch (host.bmc_type) {
      case 'sim':
        return openSimConsole(host.name);
      case 'ipmi':
        return openSol(await bmcTargetOf(db, keyring, host), sol);
      case 'obmd': {
        const bmc = await bmcTargetOf(db, keyring, host);
        if (!bmc.obmd?.token) throw new BlockedError('OBM is not enabled', { node });
        return openObmdConsole(host.name, bmc.obmd.uri, bmc.obmd.token);
      }
      default:
        throw new IllegalStateError(`Node ${node} has no BMC with a serial console`, { node });
    }
  };
}
