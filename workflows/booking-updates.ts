import * as wf from '@temporalio/workflow';
import {
  addAccessUpdate,
  claimCredentialsUpdate,
  credentialsDeliveredSignal,
  extendUpdate,
  holdDecisionSignal,
  reimageSignal,
  reimageUpdate,
  releaseSignal,
  resolveHoldUpdate,
  retryCleanupUpdate,
} from './definitions';
import { bookingSteps, type BookingRun } from './booking-run';
import { failureOf } from './saga';
import type { HoldDecision } from './types';

/** Release, and the VPN passwords handed over once. */
export function handleReleaseAndCredentials(run: BookingRun): void {
  const { status } = run;
  wf.setHandler(releaseSignal, () => {
    run.releaseRequested = true;
  });
  wf.setHandler(credentialsDeliveredSignal, () => {
    delete status.vpnPasswords;
  });
  wf.setHandler(claimCredentialsUpdate, () => {
    const passwords = status.vpnPasswords ?? null;
    delete status.vpnPasswords;
    return passwords;
  });
}

/** Move the lease end: the allocator decides, the lease timer follows. */
export function handleExtend(run: BookingRun): void {
  const { input, status } = run;
  wf.setHandler(
    extendUpdate,
    async ({ end }) => {
      // Early callers wait for the allocation: there is nothing to extend before it exists.
      await wf.condition(() => run.allocated || !['scheduled', 'provisioning'].includes(status.state));
      try {
        await run.ledger.extendAllocation({ bookingId: input.id, end });
      } catch (err) {
        // The caller wants the allocator's reason (the conflicting range), not "activity failed".
        const f = failureOf(err);
        throw wf.ApplicationFailure.create({ type: f.type, message: f.message, nonRetryable: true });
      }
      status.end = new Date(end).toISOString();
      run.leaseMoved = true;
      run.updateMemo();
      await run.event('extended', { end: status.end });
      return { end: status.end };
    },
    {
      validator: ({ end }: { end: string }) => {
        const t = Date.parse(end);
        if (!['scheduled', 'provisioning', 'held', 'active'].includes(status.state)) throw new Error(`booking is ${status.state}: nothing to extend`);
        if (Number.isNaN(t)) throw new Error(`end ${JSON.stringify(end)} is not an ISO 8601 instant`);
        if (t <= Date.now()) throw new Error('end is in the past');
        if (input.maxLeaseMs && t - Date.parse(input.start) > input.maxLeaseMs) {
          throw new Error(`lease longer than the lab's maximum of ${input.maxLeaseMs / 3_600_000} hours`);
        }
      },
    },
  );
}

/** Re-image one host of an active booking: its child runs the steps again. */
export function handleReimage(run: BookingRun): void {
  const { input, status } = run;
  let reimageSeq = 0;
  wf.setHandler(
    reimageUpdate,
    async ({ host, image }) => {
      const h = status.hosts.find((x) => x.name === host)!;
      const reimage = ++reimageSeq;
      h.reimage = { image, reimage, state: 'requested' };
      await run.childOf(host)!.handle.signal(reimageSignal, { image, reimage });
      await run.event('host:reimage', { host, image, reimage });
      return { host, image, reimage };
    },
    {
      validator: ({ host, image }: { host: string; image: string }) => {
        if (status.state !== 'active') throw new Error(`booking is ${status.state}: only the hosts of an active booking can be re-imaged`);
        if (!status.hosts.some((h) => h.name === host)) throw new Error(`host ${host} is not in booking ${input.id}`);
        if (typeof image !== 'string' || image === '') throw new Error('image must be a non-empty string');
      },
    },
  );
}

/** An operator's answers: retry or abort held hosts, run failed undos again. */
export function handleOperatorUpdates(run: BookingRun): void {
  const { status } = run;
  wf.setHandler(
    resolveHoldUpdate,
    async ({ action, host }) => {
      const hosts = host ? [host] : run.heldHosts();
      for (const h of hosts) await run.children.find((c) => c.host === h)?.handle.signal(holdDecisionSignal, { action });
      await run.event(`hold:${action}`, { hosts });
      return { hosts };
    },
    {
      validator: ({ action, host }: { action: HoldDecision; host?: string }) => {
        if (action !== 'retry' && action !== 'abort') throw new Error(`action must be retry or abort, not ${String(action)}`);
        const held = run.heldHosts();
        if (!held.length) throw new Error(`booking is ${status.state}: no host is waiting for an operator`);
        if (host && !held.includes(host)) throw new Error(`host ${host} is not held (held: ${held.join(', ')})`);
      },
    },
  );
  wf.setHandler(
    retryCleanupUpdate,
    async () => {
      const round = ++run.cleanupRound;
      run.cleanupRequested = true;
      await wf.condition(() => !run.cleanupRequested && run.cleanupRound === round);
      return { leftovers: status.leftovers };
    },
    {
      validator: () => {
        if (status.state !== 'needs_cleanup') throw new Error(`booking is ${status.state}: there is nothing to clean up`);
      },
    },
  );
}

/** More users on an active booking: their keys on every host, their VPN accounts. */
export function handleAddAccess(run: BookingRun): void {
  const { input, status } = run;
  wf.setHandler(
    addAccessUpdate,
    async ({ users, sshKeys }) => {
      // Issue 11 (liblaas collaborators): new commands only when this Update arrives.
      run.patched('i11-add-access');
      if (sshKeys.length) await Promise.all(status.hosts.map((h) => bookingSteps.installSshKeys({ bookingId: input.id, host: h.name, keys: sshKeys })));
      const fresh = users.filter((u) => !input.access.vpnUsers.includes(u));
      if (fresh.length) {
        // The VPN undo reads this list when it runs: the new accounts go with the booking's.
        input.access.vpnUsers.push(...fresh);
        const vpn = await bookingSteps.createVpnAccounts({ bookingId: input.id, project: input.project, users: fresh });
        status.vpnAccounts = [...(status.vpnAccounts ?? []), ...vpn.accounts];
        if (Object.keys(vpn.passwords ?? {}).length) status.vpnPasswords = { ...status.vpnPasswords, ...vpn.passwords };
      }
      await run.event('access:added', { users: fresh, sshKeys: sshKeys.length });
      return { vpnAccounts: status.vpnAccounts ?? [] };
    },
    {
      validator: ({ users }: { users: string[]; sshKeys: string[] }) => {
        if (status.state !== 'active') throw new Error(`booking is ${status.state}: access is added to active bookings only`);
        if (users.length && !input.access.vpnUsers.length) throw new Error('this booking has no VPN step to add accounts to');
      },
    },
  );
}
