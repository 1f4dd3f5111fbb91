import type { NicPlan } from '../workflows/types';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { labDirectory } from './lab-directory';
import { attempt, type StepDone } from './power';
import { Context } from '@temporalio/activity';
import { renderNetworkFiles } from './network-render';

export interface NetworkStepInput {
  host: string;
  image: string;
  hostname: string;
  nics: NicPlan[];
  publicNetwork: string | null;
}

export function createNetworkActivities(deps: Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'timing'>) {
  const lab = labDirectory(deps);
  const host = deps.drivers.host;
  return {
    /** Network step: the OS family's files for the booking's VLANs, the hostname, then a reboot to apply. */
    async writeNetworkFiles(input: NetworkStepInput): Promise<StepDone & { files: string[] }> {
      const target = await lab.ssh(input.host);
      const family = (await lab.image(input.image)).osFamily;
      const files = renderNetworkFiles(family, input.nics, input.publicNetwork);
      const ctx = Context.current();
      await asStep(async () => {
        for (const f of files) await host.writeFile(target, f.path, f.content, { mode: f.mode });
        await host.setHostname(target, input.hostname);
        await host.reboot(target, { timeoutMs: deps.timing.rebootTimeoutMs, onWait: (elapsedMs) => ctx.heartbeat({ rebootWaitMs: elapsedMs }) });
      });
      return { attempt: attempt(), files: files.map((f) => f.path) };
    },
    /** Undo of the network step: the files the step may have written are gone. */
    async removeNetworkFiles(input: NetworkStepInput): Promise<void> {
      const target = await lab.ssh(input.host);
      const family = (await lab.image(input.image)).osFamily;
      const files = renderNetworkFiles(family, input.nics, input.publicNetwork);
      await asStep(async () => {
        for (const f of files) await host.removeFile(target, f.path);
      });
    },
  };
}
