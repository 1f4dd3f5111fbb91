import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { heartbeating } from './heartbeat';
import { labDirectory } from './lab-directory';

export interface StepDone {
  attempt: number;
}

export function attempt(): number {
  return Context.current().info.attempt;
}

export function createPowerActivities(deps: Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'timing'>) {
  const lab = labDirectory(deps);
  const power = deps.drivers.power;
  return {
    /** Power step: the host off, next boot from the network. */
    async preparePower({ host }: { host: string }): Promise<StepDone> {
      return heartbeating(deps.timing, async (beat) => {
        const bmc = await lab.bmc(host);
        await asStep(() => power.off(bmc));
        beat.throwIfCancelled();
        await asStep(() => power.setBootDevice(bmc, 'pxe', { persistent: false }));
        return { attempt: attempt() };
      });
    },
    /** Undo of the power step, and the first act of teardown: the host off, booting from disk. */
    async powerOffHost({ host }: { host: string }): Promise<void> {
      await heartbeating(deps.timing, async (beat) => {
        const bmc = await lab.bmc(host);
        await asStep(() => power.off(bmc));
        beat.throwIfCancelled();
        await asStep(() => power.setBootDevice(bmc, 'disk', { persistent: true }));
      });
    },
  };
}
