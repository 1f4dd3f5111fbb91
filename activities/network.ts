import { InvalidInput } from '../drivers/errors';
import type { HostTarget } from '../drivers/host/host';
import { renderNetworkFiles, type HostNetworkPlan, type NetworkFile } from '../drivers/host/network-files';
import type { NicPlan } from '../workflows/types';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { heartbeating } from './heartbeat';
import { labDirectory } from './lab-directory';
import { attempt, type StepDone } from './power';

export interface NetworkStepInput {
  host: string;
  image: string;
  hostname: string;
  nics: NicPlan[];
  publicNetwork: string | null;
}

/** Every file the renderers write names laas on a comment line of its own (drivers/host/network-plan.ts). */
const WRITTEN_BY_LAAS = /^\s*# Written by laas: /m;

/** The booking's networks as the host renderers take them. */
function hostPlan(input: NetworkStepInput): HostNetworkPlan {
  return {
    nics: input.nics.map((n) => ({ nic: n.nic, native: n.native, tagged: n.tagged })),
    publicNetwork: input.publicNetwork,
  };
}

export function createNetworkActivities(deps: Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'timing'>) {
  const lab = labDirectory(deps);
  const host = deps.drivers.host;

  async function filesFor(input: NetworkStepInput): Promise<NetworkFile[]> {
    const family = (await lab.image(input.image)).osFamily;
    return renderNetworkFiles(family, hostPlan(input)).files;
  }

  /** The host's name back to its inventory name, unless it is that already. */
  async function restoreHostname(target: HostTarget, inventoryName: string): Promise<void> {
    // Setting a name writes /etc/hostname (hostnamectl, or the driver's fallback): without the
    // file, the step never named the host and there is nothing to restore.
    const current = await host.readFile(target, '/etc/hostname');
    if (current === null || current.trim() === inventoryName) return;
    await host.setHostname(target, inventoryName);
  }

  return {
    /** Network step: the OS family's files for the booking's networks, the hostname, then a reboot to apply. */
    async writeNetworkFiles(input: NetworkStepInput): Promise<StepDone & { files: string[] }> {
      return heartbeating(deps.timing, async (beat) => {
        const target = await lab.ssh(input.host);
        const files = await asStep(() => filesFor(input));
        await asStep(async () => {
          for (const f of files) {
            beat.throwIfCancelled();
            await host.writeFile(target, f.path, f.content, { mode: f.mode });
          }
          beat.throwIfCancelled();
          await host.setHostname(target, input.hostname);
          beat.throwIfCancelled();
          await host.reboot(target, {
            timeoutMs: deps.timing.rebootTimeoutMs,
            onWait: (rebootWaitMs) => {
              beat.record({ rebootWaitMs });
              beat.throwIfCancelled();
            },
          });
        });
        return { attempt: attempt(), files: files.map((f) => f.path) };
      });
    },
    /**
     * Undo of the network step: the files the step writes are gone (a file there that laas did not
     * write is left alone) and the host carries its inventory name again.
     */
    async removeNetworkFiles(input: NetworkStepInput): Promise<void> {
      await heartbeating(deps.timing, async (beat) => {
        let files: NetworkFile[];
        try {
          files = await filesFor(input);
        } catch (err) {
          // The step renders before it touches the host: a plan it refused left nothing behind.
          if (err instanceof InvalidInput) return;
          throw err;
        }
        const target = await lab.ssh(input.host);
        await asStep(async () => {
          for (const f of files) {
            beat.throwIfCancelled();
            const content = await host.readFile(target, f.path);
            if (content !== null && WRITTEN_BY_LAAS.test(content)) await host.removeFile(target, f.path);
          }
          beat.throwIfCancelled();
          await restoreHostname(target, input.host);
        });
      });
    },
  };
}
