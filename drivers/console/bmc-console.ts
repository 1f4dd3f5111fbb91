import { DeviceError, InvalidInput } from '../errors';
import type { BmcTarget } from '../power/power';
import { openObmdConsole } from './obmd';
import { openSimConsole } from './sim';
import { openSol, type SolOptions } from './sol';
import type { ConsoleStream } from './source';

/** Opens a node's serial console the way its BMC offers one. */
export interface ConsoleDriver {
  open(bmcType: string, bmc: BmcTarget): Promise<ConsoleStream>;
}

/** An obmd node whose OBM is not enabled has no node token, so obmd will not show its console. */
export class ObmNotEnabled extends DeviceError {
  constructor(host: string) {
    super('ObmNotEnabled', `OBM of node ${host} is not enabled`, false, { host });
  }
}

/**
 * IPMI serial-over-LAN with ipmitool, obmd's console stream with the node token got when OBM was
 * enabled, or the simulated lab's console for `sim` BMCs.
 */
export function bmcConsoles(options: { sol?: SolOptions; simEveryMs?: number } = {}): ConsoleDriver {
  return {
    open(bmcType, bmc) {
      switch (bmcType) {
        case 'sim':
          return openSimConsole(bmc.host, options.simEveryMs);
        case 'ipmi':
          return openSol(bmc, options.sol);
        case 'obmd':
          if (!bmc.obmd?.token) throw new ObmNotEnabled(bmc.host);
          return openObmdConsole(bmc.host, bmc.obmd.uri, bmc.obmd.token);
        default:
          throw new InvalidInput('BMC type', bmcType, 'has no serial console (expected ipmi, obmd or sim)');
      }
    },
  };
}
