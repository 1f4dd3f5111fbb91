import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { attempt, type StepDone } from './power';

export function createVpnActivities(deps: Pick<ActivityDeps, 'drivers'>) {
  const directory = deps.drivers.directory;
  return {
    /**
     * VPN step (booking level): one directory account per VPN user. The generated passwords are
     * not returned into the workflow history in clear; delivery goes through the encrypted path.
     */
    async createVpnAccounts({ bookingId, project, users }: { bookingId: string; project: string; users: string[] }): Promise<StepDone & { accounts: string[] }> {
      const accounts: string[] = [];
      for (const uid of users) {
        const account = await asStep(() => directory.ensureVpnAccount({ uid, bookingId, project }));
        accounts.push(account.uid);
      }
      return { attempt: attempt(), accounts };
    },
    /** Undo of the VPN step: this booking's accounts are gone (anyone else's are left alone). */
    async removeVpnAccounts({ bookingId, users }: { bookingId: string; users: string[] }): Promise<void> {
      for (const uid of users) await asStep(() => directory.removeVpnAccount(uid, bookingId));
    },
  };
}
