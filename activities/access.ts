import { installKeys, removeKeys } from '../drivers/host/ssh-keys';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { heartbeating } from './heartbeat';
import { labDirectory } from './lab-directory';
import { attempt, type StepDone } from './power';

export function createAccessActivities(deps: Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'timing'>) {
  const lab = labDirectory(deps);
  const host = deps.drivers.host;
  return {
    /**
     * Access step: the users' public keys in the login user's authorized_keys (~/.ssh made, mode 700,
     * when the image has none), each line tagged with the booking; a key already there is not added again.
     */
    async installSshKeys({ bookingId, host: name, keys }: { bookingId: string; host: string; keys: string[] }): Promise<StepDone> {
      return heartbeating(deps.timing, async () => {
        const target = await lab.ssh(name);
        await asStep(() => installKeys(host, target, target.username, bookingId, keys));
        return { attempt: attempt() };
      });
    },
    /** Undo of the access step: exactly the booking's key lines are gone, every other byte stays. */
    async removeSshKeys({ bookingId, host: name }: { bookingId: string; host: string }): Promise<void> {
      await heartbeating(deps.timing, async (beat) => {
        const target = await lab.ssh(name);
        const removed = await asStep(() => removeKeys(host, target, target.username, bookingId));
        if (!removed.changed || removed.path === null) return;
        beat.throwIfCancelled();
        // A file that held only the booking's keys goes, as the step found the host without it.
        const path = removed.path;
        await asStep(async () => {
          if ((await host.readFile(target, path)) === '') await host.removeFile(target, path);
        });
      });
    },
  };
}
