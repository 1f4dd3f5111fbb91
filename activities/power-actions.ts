import type { PowerCall, PowerOutcome } from '../workflows/power-action';
import type { ActivityDeps } from './deps';
import { asStep, badInput } from './failures';
import { heartbeating } from './heartbeat';
import { labDirectory } from './lab-directory';

const ACTIONS = new Set(['on', 'off', 'cycle', 'status', 'bootdev']);
const DEVICES = new Set(['pxe', 'disk']);

export function createPowerActionActivities(deps: Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'timing'>) {
  const lab = labDirectory(deps);
  const power = deps.drivers.power;
  return {
    /**
     * A HIL power call on a node's BMC. The BMC's address and credentials are looked up here, from
     * the inventory and the credential store, so they never enter the workflow's history.
     */
    async runPowerCall(call: PowerCall): Promise<PowerOutcome> {
      if (!ACTIONS.has(call.action)) throw badInput(`unknown power action ${JSON.stringify(call.action)}`);
      if (call.action === 'bootdev' && !DEVICES.has(call.device)) throw badInput(`unknown boot device ${JSON.stringify(call.device)}`);
      return heartbeating(deps.timing, async () => {
        const bmc = await asStep(() => lab.bmc(call.node));
        switch (call.action) {
          case 'status':
            return { power: await asStep(() => power.status(bmc)) };
          case 'on':
            await asStep(() => power.on(bmc));
            break;
          case 'off':
            await asStep(() => power.off(bmc));
            break;
          case 'cycle':
            await asStep(() => power.cycle(bmc));
            break;
          case 'bootdev':
            // HIL's boot device stays until changed again.
            await asStep(() => power.setBootDevice(bmc, call.device, { persistent: true }));
            break;
        }
        return { power: null };
      });
    },
  };
}
