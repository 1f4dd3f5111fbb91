import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { heartbeating } from './heartbeat';
import { attempt, type StepDone } from './power';

export function createVpnActivities(deps: Pick<ActivityDeps, 'drivers' | 'timing'>) {
  const directory = deps.drivers.directory;
  return {
    /**
     * VPN step (booking level): one directory account per VPN user, with its generated password
     * for delivery to the user once; a standing directory user (liblaas) joins with their own
     * account and password. The result travels encrypted (payload codec) and the booking forgets
     * the passwords once the API has shown them.
     */
    async createVpnAccounts({ bookingId, project, users }: { bookingId: string; project: string; users: string[] }): Promise<
      StepDone & { accounts: string[]; passwords: Record<string, string> }
    > {
      return heartbeating(deps.timing, async (beat) => {
        const accounts: string[] = [];
        const passwords: Record<string, string> = {};
        for (const uid of users) {
          beat.throwIfCancelled();
          let account = await asStep(() => directory.ensureVpnAccount({ uid, bookingId, project }));
          if (!account.password && !account.standing) {
            // Ours already, but its password was lost with an earlier attempt's result: issue a new one.
            await asStep(() => directory.removeVpnAccount(uid, bookingId));
            account = await asStep(() => directory.ensureVpnAccount({ uid, bookingId, project }));
          }
          accounts.push(account.uid);
          if (account.password) passwords[account.uid] = account.password;
        }
        return { attempt: attempt(), accounts, passwords };
      });
    },
    /** New passwords for this booking's VPN accounts, on the owner's request: the old ones stop working. */
    async resetVpnPasswords({ bookingId, users }: { bookingId: string; users: string[] }): Promise<{ passwords: Record<string, string> }> {
      const passwords: Record<string, string> = {};
      // A directory user's own entry (liblaas) joined the booking: its password is theirs, not reset here.
      const standing = new Set((await asStep(() => directory.getUsers(users))).map((u) => u.uid));
      for (const uid of users) if (!standing.has(uid)) passwords[uid] = await asStep(() => directory.resetVpnPassword(uid, bookingId));
      return { passwords };
    },
    /** Undo of the VPN step: this booking's accounts are gone (anyone else's are left alone). */
    async removeVpnAccounts({ bookingId, users }: { bookingId: string; users: string[] }): Promise<void> {
      await heartbeating(deps.timing, async (beat) => {
        for (const uid of users) {
          beat.throwIfCancelled();
          await asStep(() => directory.removeVpnAccount(uid, bookingId));
        }
      });
    },
  };
}
