import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { heartbeating } from './heartbeat';
import { labDirectory } from './lab-directory';
import { attempt, type StepDone } from './power';

const MARK = 'laas-booking=';

function keysPath(user: string): string {
  return user === 'root' ? '/root/.ssh/authorized_keys' : `/home/${user}/.ssh/authorized_keys`;
}

/** authorized_keys with the booking's keys present once each, every other line untouched. */
function withKeys(text: string, bookingId: string, keys: string[]): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const mine = (k: string) => `${k.trim()} ${MARK}${bookingId}`;
  for (const k of keys) if (!lines.includes(mine(k))) lines.push(mine(k));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function withoutKeys(text: string, bookingId: string): string {
  const lines = text.replace(/\n$/, '').split('\n').filter((l) => l !== '' && !l.endsWith(` ${MARK}${bookingId}`));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function createAccessActivities(deps: Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'timing'>) {
  const lab = labDirectory(deps);
  const host = deps.drivers.host;
  return {
    /** Access step: the users' public keys in the login user's authorized_keys, tagged with the booking. */
    async installSshKeys({ bookingId, host: name, keys }: { bookingId: string; host: string; keys: string[] }): Promise<StepDone> {
      return heartbeating(deps.timing, async () => {
        const target = await lab.ssh(name);
        const path = keysPath(target.username);
        await asStep(async () => {
          const before = (await host.readFile(target, path)) ?? '';
          await host.writeFile(target, path, withKeys(before, bookingId, keys), { mode: 0o600 });
        });
        return { attempt: attempt() };
      });
    },
    /** Undo of the access step: exactly the booking's key lines are gone. */
    async removeSshKeys({ bookingId, host: name }: { bookingId: string; host: string }): Promise<void> {
      await heartbeating(deps.timing, async () => {
        const target = await lab.ssh(name);
        const path = keysPath(target.username);
        await asStep(async () => {
          const before = await host.readFile(target, path);
          if (before === null) return;
          const after = withoutKeys(before, bookingId);
          if (after === '') await host.removeFile(target, path);
          else if (after !== before) await host.writeFile(target, path, after, { mode: 0o600 });
        });
      });
    },
  };
}
