import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  addAccessUpdate,
  BookingIdKey,
  BookingStateKey,
  bookingStatusQuery,
  claimCredentialsUpdate,
  credentialsDeliveredSignal,
  extendUpdate,
  holdDecisionSignal,
  HostNamesKey,
  hostLeftoversSignal,
  hostProgressSignal,
  hostReadySignal,
  hostReimagedSignal,
  hostWorkflowId,
  type HostSnapshot,
  LabNameKey,
  OwnerKey,
  ProjectKey,
  releaseSignal,
  reimageSignal,
  reimageUpdate,
  resolveHoldUpdate,
  retryCleanupSignal,
  retryCleanupUpdate,
  teardownSignal,
} from './definitions';
import { hostWorkflow } from './host';
import { bookingStepOptions, bookingUndoOptions, bookkeepingOptions, localBookkeepingOptions, refusals } from './activity-options';
import { admissionGate, refusalOf } from './admission';
import { handleVpnPasswordReset } from './vpn-reset';
import { failureOf, isCancellation, isInputError, unwind, type Compensation, type Unfinished } from './saga';
import { planHost } from './plan';
import { snapshotOf } from './snapshot';
import { BOOKING_STEPS, HOST_STEPS, type HoldDecision, type Allocation, type BookingInput, type BookingState, type BookingStatus, type BookingStep, type Leftover, type StepRecord } from './types';

// Bounds and retry policies: workflows/activity-options.ts (issue 18: a test checks them against a 5-minute outage).
const bookkeeping = wf.proxyActivities<Activities>(bookkeepingOptions);
const localBookkeeping = wf.proxyLocalActivities<Activities>(localBookkeepingOptions);
const bookingSteps = wf.proxyActivities<Activities>(bookingStepOptions);
const undo = wf.proxyActivities<Activities>(bookingUndoOptions);

class ReleaseBeforeActive extends Error {}

/** How many times one requested host may be replaced by another of its flavor. */
const MAX_SUBSTITUTIONS = 2;

interface Child {
  host: string;
  handle: wf.ChildWorkflowHandle<typeof hostWorkflow>;
  /** Leftovers of its last undo round; absent until its undos have run. */
  undone?: Leftover[];
  /** Counts the child's undo reports, so a cleanup round knows when every child answered. */
  reports: number;
}

/**
 * A booking: allocate, provision every host in parallel (one child each), then the booking-level
 * VPN accounts and headnode; hold the lease (extendable); undo everything in reverse at release,
 * lease end or failure; keep what could not be undone until an operator has it retried.
 */
export async function bookingWorkflow(input: BookingInput): Promise<BookingStatus> {
  const status: BookingStatus = {
    id: input.id,
    lab: input.lab,
    project: input.project,
    owner: input.owner,
    state: 'provisioning',
    start: input.start,
    end: input.end,
    networks: input.networks.map((n) => ({ name: n.name, vlan: null })),
    hosts: input.hosts.map((h, i) => ({
      name: h.name ?? `(${h.flavor ?? 'any'} #${i + 1})`,
      hostname: h.hostname ?? h.name ?? '',
      steps: HOST_STEPS.map((step) => ({ step, status: 'pending' })),
    })),
    bookingSteps: BOOKING_STEPS.map((step) => ({ step, status: 'pending' })),
    leftovers: [],
  };
  let releaseRequested = false;
  let allocated = false;
  let leaseMoved = false;
  let cleanupRequested = false;
  let cleanupRound = 0;
  const ready = new Set<string>();
  const failedHosts = new Map<string, { type: string; message: string }>();
  const children: Child[] = [];
  let bookingUnfinished: Unfinished[] = [];
  /** Booking-level undos (VPN, headnode) whose last run failed. */
  const bookingUndosFailed = new Set<string>();

  const heldHosts = () => status.hosts.filter((h) => h.held).map((h) => h.name);
  const refreshLeftovers = () => {
    status.leftovers = [...bookingUnfinished.map((u) => u.leftover), ...children.flatMap((c) => c.undone ?? [])];
  };

  // Registered before the first await: the admission Update arrives with the start.
  const gate = wf.patched('i14-admission-update') ? admissionGate(input.networks.map((n) => n.name)) : null;
  wf.setHandler(bookingStatusQuery, () => status);
  handleVpnPasswordReset(input.id, status);
  wf.setHandler(releaseSignal, () => {
    releaseRequested = true;
  });
  const lastReport = new Map<string, number>();
  /** Reports are not awaited by the host: one overtaken by a later one is stale. */
  const fresh = (host: string, seq: number | undefined): boolean => {
    if (seq === undefined) return true;
    if (seq <= (lastReport.get(host) ?? 0)) return false;
    lastReport.set(host, seq);
    return true;
  };
  const takeSnapshot = (host: string, { steps, seq }: HostSnapshot) => {
    const h = status.hosts.find((x) => x.name === host);
    if (!h || !steps || !fresh(host, seq)) return;
    for (const record of steps) Object.assign(h.steps.find((x) => x.step === record.step) ?? {}, record);
  };
  wf.setHandler(hostProgressSignal, ({ host, record, held, seq }) => {
    if (!fresh(host, seq)) return;
    const h = status.hosts.find((x) => x.name === host);
    const s = h?.steps.find((x) => x.step === record.step);
    if (s) Object.assign(s, record);
    if (h && held !== undefined) h.held = held ?? undefined;
  });
  wf.setHandler(credentialsDeliveredSignal, () => {
    delete status.vpnPasswords;
  });
  wf.setHandler(claimCredentialsUpdate, () => {
    const passwords = status.vpnPasswords ?? null;
    delete status.vpnPasswords;
    return passwords;
  });
  wf.setHandler(hostReadySignal, ({ host, ...snapshot }) => {
    takeSnapshot(host, snapshot);
    ready.add(host);
  });
  wf.setHandler(hostLeftoversSignal, ({ host, leftovers, failure, ...snapshot }) => {
    // A host tried again has two children: the report is the newest one's.
    const child = [...children].reverse().find((c) => c.host === host);
    if (!child) return;
    takeSnapshot(host, snapshot);
    child.undone = leftovers;
    child.reports += 1;
    // A host that failed and could not undo everything stays open until its cleanup: it fails the
    // booking now (never retried or substituted while its leftovers are there).
    if (failure && !failedHosts.has(host)) failedHosts.set(host, failure);
    refreshLeftovers();
  });

  wf.setHandler(
    extendUpdate,
    async ({ end }) => {
      // Early callers wait for the allocation: there is nothing to extend before it exists.
      await wf.condition(() => allocated || !['scheduled', 'provisioning'].includes(status.state));
      try {
        await bookkeeping.extendAllocation({ bookingId: input.id, end });
      } catch (err) {
        // The caller wants the allocator's reason (the conflicting range), not "activity failed".
        const f = failureOf(err);
        throw wf.ApplicationFailure.create({ type: f.type, message: f.message, nonRetryable: true });
      }
      status.end = new Date(end).toISOString();
      leaseMoved = true;
      updateMemo();
      await event('extended', { end: status.end });
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
  let reimageSeq = 0;
  wf.setHandler(
    reimageUpdate,
    async ({ host, image }) => {
      const h = status.hosts.find((x) => x.name === host)!;
      const reimage = ++reimageSeq;
      h.reimage = { image, reimage, state: 'requested' };
      const child = [...children].reverse().find((c) => c.host === host)!;
      await child.handle.signal(reimageSignal, { image, reimage });
      await event('host:reimage', { host, image, reimage });
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
  wf.setHandler(hostReimagedSignal, async ({ host, image, reimage, ...snapshot }) => {
    takeSnapshot(host, snapshot);
    const h = status.hosts.find((x) => x.name === host);
    if (h) {
      h.image = image;
      if (h.reimage?.reimage === reimage) h.reimage.state = 'done';
    }
    await event('host:reimaged', { host, image, reimage });
  });
  wf.setHandler(
    resolveHoldUpdate,
    async ({ action, host }) => {
      const hosts = host ? [host] : heldHosts();
      for (const h of hosts) await children.find((c) => c.host === h)?.handle.signal(holdDecisionSignal, { action });
      await event(`hold:${action}`, { hosts });
      return { hosts };
    },
    {
      validator: ({ action, host }: { action: HoldDecision; host?: string }) => {
        if (action !== 'retry' && action !== 'abort') throw new Error(`action must be retry or abort, not ${String(action)}`);
        const held = heldHosts();
        if (!held.length) throw new Error(`booking is ${status.state}: no host is waiting for an operator`);
        if (host && !held.includes(host)) throw new Error(`host ${host} is not held (held: ${held.join(', ')})`);
      },
    },
  );
  wf.setHandler(
    retryCleanupUpdate,
    async () => {
      const round = ++cleanupRound;
      cleanupRequested = true;
      await wf.condition(() => !cleanupRequested && cleanupRound === round);
      return { leftovers: status.leftovers };
    },
    {
      validator: () => {
        if (status.state !== 'needs_cleanup') throw new Error(`booking is ${status.state}: there is nothing to clean up`);
      },
    },
  );

  wf.setHandler(
    addAccessUpdate,
    async ({ users, sshKeys }) => {
      // Issue 11 (liblaas collaborators): new commands only when this Update arrives.
      wf.patched('i11-add-access');
      if (sshKeys.length) await Promise.all(status.hosts.map((h) => bookingSteps.installSshKeys({ bookingId: input.id, host: h.name, keys: sshKeys })));
      const fresh = users.filter((u) => !input.access.vpnUsers.includes(u));
      if (fresh.length) {
        // The VPN undo reads this list when it runs: the new accounts go with the booking's.
        input.access.vpnUsers.push(...fresh);
        const vpn = await bookingSteps.createVpnAccounts({ bookingId: input.id, project: input.project, users: fresh });
        status.vpnAccounts = [...(status.vpnAccounts ?? []), ...vpn.accounts];
        if (Object.keys(vpn.passwords ?? {}).length) status.vpnPasswords = { ...status.vpnPasswords, ...vpn.passwords };
      }
      await event('access:added', { users: fresh, sshKeys: sshKeys.length });
      return { vpnAccounts: status.vpnAccounts ?? [] };
    },
    {
      validator: ({ users }: { users: string[]; sshKeys: string[] }) => {
        if (status.state !== 'active') throw new Error(`booking is ${status.state}: access is added to active bookings only`);
        if (users.length && !input.access.vpnUsers.length) throw new Error('this booking has no VPN step to add accounts to');
      },
    },
  );

  let eventSeq = 0;
  const bookkeepingLocally = wf.patched('i17-bookkeeping-local');
  async function event(kind: string, detail: Record<string, unknown> = {}): Promise<void> {
    // The key is deterministic, so a retried or replayed append records once.
    // The booking's snapshot rides along: the read model the API serves (db/booking-views.ts).
    const seq = ++eventSeq;
    await (bookkeepingLocally ? localBookkeeping : bookkeeping).recordBookingEvent({ bookingId: input.id, key: `${seq}:${kind}`, kind, detail, view: snapshotOf(status, input, seq, wf.workflowInfo().startTime) });
  }
  function updateMemo(): void {
    wf.upsertMemo({ summary: { project: input.project, owner: input.owner, state: status.state, hosts: status.hosts.map((h) => h.name), end: status.end } });
  }
  async function setState(state: BookingState, detail: Record<string, unknown> = {}): Promise<void> {
    status.state = state;
    wf.upsertSearchAttributes([{ key: BookingStateKey, value: state }]);
    updateMemo();
    await event(`state:${state}`, detail);
  }
  const bookingStep = (step: BookingStep): StepRecord => status.bookingSteps.find((s) => s.step === step)!;
  async function runBookingStep<T extends { attempt: number }>(step: BookingStep, run: () => Promise<T>): Promise<T> {
    const r = bookingStep(step);
    Object.assign(r, { status: 'running', startedAt: new Date().toISOString() });
    try {
      const done = await run();
      Object.assign(r, { status: 'done', finishedAt: new Date().toISOString(), attempt: done.attempt });
      return done;
    } catch (err) {
      Object.assign(r, { status: 'failed', finishedAt: new Date().toISOString(), error: failureOf(err) });
      throw err;
    }
  }
  /** The first host failure names the booking's failure; its type is the step's own. */
  function hostFailure(): wf.ApplicationFailure {
    const [first] = failedHosts.values();
    return wf.ApplicationFailure.create({ type: first!.type, message: first!.message, nonRetryable: true });
  }
  async function teardownHosts(): Promise<void> {
    // Already finished children reject the signal: nothing to tear down there.
    const signal = (c: Child) => c.handle.signal(teardownSignal).catch(() => undefined);
    if (wf.patched('teardown-signals-together')) {
      await Promise.all(children.filter((c) => !c.undone).map(signal));
    } else {
      for (const c of children) if (!c.undone) await signal(c);
    }
    await wf.condition(() => children.every((c) => c.undone !== undefined));
  }

  wf.upsertSearchAttributes([
    { key: BookingIdKey, value: input.id },
    { key: LabNameKey, value: input.lab },
    { key: ProjectKey, value: input.project },
    { key: OwnerKey, value: input.owner },
    { key: HostNamesKey, value: input.hosts.flatMap((h) => (h.name ? [h.name] : [])) },
  ]);
  const allocationRequest = {
    bookingId: input.id,
    lab: input.lab,
    project: input.project,
    owner: input.owner,
    hosts: input.hosts.map((h) => (h.name ? { name: h.name } : { flavor: h.flavor! })),
    networks: input.networks.map((n) => n.name),
    ...(input.networks.some((n) => n.vlan !== undefined) ? { requestedVlans: Object.fromEntries(input.networks.flatMap((n) => (n.vlan !== undefined ? [[n.name, n.vlan]] : []))) } : {}),
    start: input.start,
    end: input.end,
  };
  /** Admission first: a refused booking ends here, holding nothing and having recorded nothing. */
  async function admit(g: NonNullable<typeof gate>): Promise<Allocation> {
    try {
      const allocation = await bookkeeping.allocateBooking(allocationRequest);
      g.admit(allocation);
      return allocation;
    } catch (err) {
      const refusal = refusalOf(err);
      // Not the allocator's refusal (it kept failing): what an attempt may have taken is given back.
      if (!refusals.includes(refusal.type)) await undo.releaseAllocation({ bookingId: input.id });
      return g.refuse(refusal);
    }
  }
  const admitted = gate ? await admit(gate) : undefined;
  const startsLater = wf.patched('i14-scheduled-state') && Date.parse(input.start) > Date.now();
  await setState(startsLater ? 'scheduled' : 'provisioning');

  const undos: Compensation[] = [];
  let failure: { type: string; message: string } | null = null;
  try {
    undos.push({
      step: 'allocation',
      undo: async () => {
        // Released last and only when nothing else is left: a port still on the booking's VLAN
        // or a host still holding its keys must not be handed to the next booking.
        const remaining = children.some((c) => c.undone?.length) || bookingUndosFailed.size > 0;
        if (remaining) {
          throw wf.ApplicationFailure.create({ type: 'LeftoversRemain', message: 'allocation kept until the other leftovers are cleaned up', nonRetryable: true });
        }
        await undo.releaseAllocation({ bookingId: input.id });
      },
    });
    const allocation = admitted ?? (await bookkeeping.allocateBooking(allocationRequest));
    status.networks = input.networks.map((n) => ({ name: n.name, vlan: allocation.vlans[n.name] ?? null }));
    allocation.hosts.forEach((name, i) => {
      const h = status.hosts[i]!;
      h.name = name;
      h.hostname = input.hosts[i]!.hostname ?? name;
    });
    allocated = true;
    wf.upsertSearchAttributes([{ key: HostNamesKey, value: allocation.hosts }]);
    await event('allocated', { hosts: allocation.hosts, vlans: allocation.vlans });

    // A booking made ahead holds its allocation and waits, durably, for its start.
    const untilStart = Date.parse(input.start) - Date.now();
    if (untilStart > 0) await wf.condition(() => releaseRequested, untilStart);
    if (releaseRequested) throw new ReleaseBeforeActive();
    if (startsLater) await setState('provisioning');

    // Registered before the children start: tearing hosts down is idempotent per host.
    undos.push({ step: 'hosts', undo: () => teardownHosts() });
    // One slot per requested host; a flavor slot may change host when its host keeps failing.
    const slots = allocation.hosts.map((host) => ({ host, failures: 0, substitutions: 0 }));
    const failedChildren: { slot: number; host: string; error: { type: string; message: string } }[] = [];
    async function startHost(slot: number, host: string): Promise<void> {
      const handle = await wf.startChild(hostWorkflow, {
        workflowId: hostWorkflowId(input.id, host),
        args: [planHost(input, input.hosts[slot]!, host, allocation, wf.workflowInfo().workflowId)],
        staticSummary: `${host} for booking ${input.id}`,
      });
      // A host tried again counts its reports from one again.
      lastReport.delete(host);
      const child: Child = { host, handle, reports: 0 };
      children.push(child);
      handle.result().then(
        () => undefined,
        (err: unknown) => {
          // A child ended without reporting its undos (terminated by hand): say so.
          if (!child.undone) {
            child.undone = [{ host, step: 'hosts', error: { type: 'HostWorkflowEnded', message: `host workflow of ${host} ended before undoing its steps` } }];
            refreshLeftovers();
          }
          failedChildren.push({ slot, host, error: failureOf(err) });
        },
      );
    }
    if (wf.patched('host-children-started-together')) {
      // One workflow task starts every host, instead of one task per host.
      await Promise.all(allocation.hosts.map((host, i) => startHost(i, host)));
    } else {
      for (const [i, host] of allocation.hosts.entries()) await startHost(i, host);
    }

    /**
     * A failed host of a flavor booking (compensate policy) is tried once more; failing again it
     * leaves service and another free host of the flavor takes its place. Anything else fails the booking.
     */
    async function hostFailed(f: (typeof failedChildren)[number]): Promise<void> {
      const slot = slots[f.slot]!;
      const flavor = input.hosts[f.slot]!.flavor;
      slot.failures += 1;
      // A failure the request caused fails the booking at once: no other host would fare better.
      const userCaused = wf.patched('i14-input-errors-fail-booking') && isInputError(f.error.type);
      if (userCaused || !flavor || (input.failurePolicy ?? 'compensate') !== 'compensate' || slot.substitutions >= MAX_SUBSTITUTIONS) {
        failedHosts.set(f.host, f.error);
        return;
      }
      if (slot.failures >= 2) {
        const keep = slots.filter((s) => s !== slot).map((s) => s.host);
        let next: string;
        try {
          next = (await bookkeeping.substituteHost({ bookingId: input.id, failed: f.host, keep, flavor })).host;
        } catch {
          failedHosts.set(f.host, f.error);
          return;
        }
        await event('host:substituted', { failed: f.host, host: next, error: f.error });
        slot.host = next;
        slot.failures = 0;
        slot.substitutions += 1;
        wf.upsertSearchAttributes([{ key: HostNamesKey, value: slots.map((s) => s.host) }]);
      } else {
        await event('host:retried', { host: f.host, error: f.error });
      }
      status.hosts[f.slot] = {
        name: slot.host,
        hostname: input.hosts[f.slot]!.hostname ?? slot.host,
        steps: HOST_STEPS.map((step) => ({ step, status: 'pending' })),
      };
      await startHost(f.slot, slot.host);
    }

    // Provisioning: watch for every host ready, a failure, a release, or hosts held for an operator.
    for (;;) {
      const settled = () => slots.every((s) => ready.has(s.host)) || failedHosts.size > 0 || releaseRequested;
      const heldChanged = () => (heldHosts().length > 0) !== (status.state === 'held');
      await wf.condition(() => failedChildren.length > 0 || settled() || heldChanged());
      if (failedChildren.length > 0 && failedHosts.size === 0 && !releaseRequested) {
        await hostFailed(failedChildren.shift()!);
        continue;
      }
      if (settled()) break;
      await setState(heldHosts().length > 0 ? 'held' : 'provisioning', { hosts: heldHosts() });
    }
    if (failedHosts.size > 0) throw hostFailure();
    if (releaseRequested) throw new ReleaseBeforeActive();

    if (input.access.vpnUsers.length) {
      undos.push({
        step: 'vpn',
        undo: () => {
          delete status.vpnPasswords;
          return undo.removeVpnAccounts({ bookingId: input.id, users: input.access.vpnUsers });
        },
      });
      const vpn = await runBookingStep('vpn', () =>
        bookingSteps.createVpnAccounts({ bookingId: input.id, project: input.project, users: input.access.vpnUsers }),
      );
      status.vpnAccounts = vpn.accounts;
      if (vpn.passwords && Object.keys(vpn.passwords).length) status.vpnPasswords = vpn.passwords;
    } else {
      Object.assign(bookingStep('vpn'), { status: 'done' });
    }

    if (input.headnode) {
      const networks = input.headnode.networks.map((name) => ({ name, vlan: allocation.vlans[name]! }));
      undos.push({ step: 'headnode', undo: () => undo.destroyHeadnode({ bookingId: input.id }) });
      const hn = await runBookingStep('headnode', () => bookingSteps.createHeadnode({ bookingId: input.id, image: input.headnode!.image, networks }));
      status.headnode = { name: hn.name, ...(hn.console ? { console: hn.console } : {}) };
    } else {
      Object.assign(bookingStep('headnode'), { status: 'done' });
    }

    await setState('active');
    // The lease: a durable timer to the end, restarted when the booking is extended.
    while (!releaseRequested && failedHosts.size === 0) {
      const leaseMs = Date.parse(status.end) - Date.now();
      if (leaseMs <= 0) break;
      leaseMoved = false;
      await wf.condition(() => releaseRequested || failedHosts.size > 0 || leaseMoved, leaseMs);
    }
    if (failedHosts.size > 0) throw hostFailure();
    await setState('releasing', { reason: releaseRequested ? 'released' : 'lease ended' });
  } catch (err) {
    if (err instanceof ReleaseBeforeActive || isCancellation(err)) {
      await wf.CancellationScope.nonCancellable(() => setState('releasing', { reason: 'released while provisioning' }));
    } else {
      failure = failureOf(err);
      status.error = failure;
    }
  }

  const undoReport = (step: string, phase: 'undoing' | 'undone' | 'failed', error?: { type: string; message: string }) => {
    if (phase === 'failed') bookingUndosFailed.add(step);
    else bookingUndosFailed.delete(step);
    const r = status.bookingSteps.find((s) => s.step === step);
    if (r) Object.assign(r, { status: phase, ...(error ? { error } : {}) });
    return Promise.resolve();
  };
  bookingUnfinished = await unwind(null, undos, undoReport);
  refreshLeftovers();

  return wf.CancellationScope.nonCancellable(async () => {
    // What could not be undone waits here, visible, until an operator has it retried.
    while (status.leftovers.length) {
      await setState('needs_cleanup', { leftovers: status.leftovers });
      await bookkeeping.recordLeftovers({ bookingId: input.id, leftovers: status.leftovers });
      await wf.condition(() => cleanupRequested);
      const waiting = children.filter((c) => c.undone?.length);
      const before = new Map(waiting.map((c) => [c.host, c.reports]));
      for (const c of waiting) {
        try {
          await c.handle.signal(retryCleanupSignal);
        } catch {
          // Its workflow was ended by hand, so nothing here can run its undos again: the operator
          // who asked for this retry has cleaned that host up.
          c.undone = [];
          c.reports += 1;
          await event('cleanup:host-ended', { host: c.host });
        }
      }
      // The hosts first: the allocation, undone last, waits for them.
      await wf.condition(() => waiting.every((c) => c.reports > before.get(c.host)!));
      bookingUnfinished = await unwind(null, bookingUnfinished.map((u) => u.compensation), undoReport);
      refreshLeftovers();
      await bookkeeping.recordLeftovers({ bookingId: input.id, leftovers: status.leftovers });
      cleanupRequested = false;
    }
    if (failure) {
      await setState('failed', { error: failure });
      throw wf.ApplicationFailure.create({ type: 'BookingFailed', message: failure.message, nonRetryable: true, details: [failure] });
    }
    await setState('released');
    return status;
  });
}
