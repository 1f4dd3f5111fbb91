import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { resetVpnPasswordUpdate } from './definitions';
import { failureOf } from './saga';
import type { BookingStatus } from './types';

const directory = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidInput', 'DirectoryAuthFailed', 'VpnAccountMissing'] },
});

/**
 * The owner's reset of the booking's VPN passwords: new ones in the directory (the old ones stop
 * binding), answered to the caller only. A password not yet delivered is dropped: it no longer works.
 */
export function handleVpnPasswordReset(bookingId: string, status: BookingStatus): void {
  wf.setHandler(
    resetVpnPasswordUpdate,
    async ({ users }) => {
      const chosen = users ?? status.vpnAccounts ?? [];
      try {
        const { passwords } = await directory.resetVpnPasswords({ bookingId, users: chosen });
        for (const uid of chosen) delete status.vpnPasswords?.[uid];
        if (status.vpnPasswords && !Object.keys(status.vpnPasswords).length) delete status.vpnPasswords;
        return passwords;
      } catch (err) {
        const f = failureOf(err);
        throw wf.ApplicationFailure.create({ type: f.type, message: f.message, nonRetryable: true });
      }
    },
    {
      validator: ({ users }: { users?: string[] }) => {
        if (status.state !== 'active') throw new Error(`booking is ${status.state}: VPN passwords are reset while it is active`);
        const accounts = status.vpnAccounts ?? [];
        if (!accounts.length) throw new Error('the booking has no VPN accounts');
        for (const u of users ?? []) if (!accounts.includes(u)) throw new Error(`no VPN account ${u} in this booking (accounts: ${accounts.join(', ')})`);
      },
    },
  );
}
