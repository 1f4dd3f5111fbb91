import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  BookingIdKey,
  BookingStateKey,
  bookingStatusQuery,
  HostNamesKey,
  hostLeftoversSignal,
  hostProgressSignal,
  hostReadySignal,
  hostWorkflowId,
  LabNameKey,
  ProjectKey,
  releaseSignal,
  teardownSignal,
} from './definitions';
import { hostWorkflow } from './host';
import { failureOf, isCancellation, unwind, type Compensation } from './saga';
import { planHost } from './plan';
import { BOOKING_STEPS, HOST_STEPS, type BookingInput, type BookingState, type BookingStatus, type BookingStep, type StepRecord } from './types';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' };
const bookkeeping = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { ...retry, maximumAttempts: 10, nonRetryableErrorTypes: ['InvalidInput', 'UnknownHost', 'HostUnavailable', 'NoFreeVlan'] },
});
const bookingSteps = wf.proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  scheduleToCloseTimeout: '20m',
  retry: { ...retry, maximumAttempts: 6, nonRetryableErrorTypes: ['InvalidInput', 'DirectoryAuthFailed', 'AccountTaken'] },
});
const undo = wf.proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  scheduleToCloseTimeout: '30m',
  retry: { ...retry, maximumAttempts: 8 },
});

/**
 * A booking: allocate, provision every host in parallel (one child each), then the booking-level
 * VPN accounts and headnode; hold the lease; undo everything in reverse at release, lease end or failure.
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
  const ready = new Set<string>();
  const failedHosts = new Map<string, { type: string; message: string }>();

  wf.setHandler(bookingStatusQuery, () => status);
  wf.setHandler(releaseSignal, () => {
    releaseRequested = true;
  });
  wf.setHandler(hostProgressSignal, ({ host, record }) => {
    const h = status.hosts.find((x) => x.name === host);
    const s = h?.steps.find((x) => x.step === record.step);
    if (s) Object.assign(s, record);
  });
  wf.setHandler(hostReadySignal, ({ host }) => {
    ready.add(host);
  });
  wf.setHandler(hostLeftoversSignal, ({ leftovers }) => {
    status.leftovers.push(...leftovers);
  });

  let eventSeq = 0;
  async function event(kind: string, detail: Record<string, unknown> = {}): Promise<void> {
    // The key is deterministic, so a retried or replayed append records once.
    await bookkeeping.recordBookingEvent({ bookingId: input.id, key: `${++eventSeq}:${kind}`, kind, detail });
  }
  async function setState(state: BookingState, detail: Record<string, unknown> = {}): Promise<void> {
    status.state = state;
    wf.upsertSearchAttributes([{ key: BookingStateKey, value: state }]);
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

  wf.upsertSearchAttributes([
    { key: BookingIdKey, value: input.id },
    { key: LabNameKey, value: input.lab },
    { key: ProjectKey, value: input.project },
    { key: HostNamesKey, value: input.hosts.flatMap((h) => (h.name ? [h.name] : [])) },
  ]);
  await setState('provisioning');

  const undos: Compensation[] = [];
  const children: { host: string; handle: wf.ChildWorkflowHandle<typeof hostWorkflow>; result: Promise<unknown> }[] = [];
  let failure: { type: string; message: string } | null = null;
  try {
    undos.push({ step: 'allocation', undo: () => undo.releaseAllocation({ bookingId: input.id }) });
    const allocation = await bookkeeping.allocateBooking({
      bookingId: input.id,
      hosts: input.hosts.map((h) => (h.name ? { name: h.name } : { flavor: h.flavor! })),
      networks: input.networks.map((n) => n.name),
      start: input.start,
      end: input.end,
    });
    status.networks = input.networks.map((n) => ({ name: n.name, vlan: allocation.vlans[n.name] ?? null }));
    allocation.hosts.forEach((name, i) => {
      const h = status.hosts[i]!;
      h.name = name;
      h.hostname = input.hosts[i]!.hostname ?? name;
    });
    wf.upsertSearchAttributes([{ key: HostNamesKey, value: allocation.hosts }]);
    await event('allocated', { hosts: allocation.hosts, vlans: allocation.vlans });

    // A booking made ahead holds its allocation and waits, durably, for its start.
    const untilStart = Date.parse(input.start) - Date.now();
    if (untilStart > 0) await wf.condition(() => releaseRequested, untilStart);
    if (releaseRequested) throw new ReleaseBeforeActive();

    // Registered before the children start: tearing hosts down is idempotent per host.
    undos.push({ step: 'hosts', undo: () => teardownHosts() });
    for (const [i, req] of input.hosts.entries()) {
      const host = allocation.hosts[i]!;
      const handle = await wf.startChild(hostWorkflow, {
        workflowId: hostWorkflowId(input.id, host),
        args: [planHost(input, req, host, allocation, wf.workflowInfo().workflowId)],
        staticSummary: `${host} for booking ${input.id}`,
      });
      const result = handle.result().then(
        () => undefined,
        (err: unknown) => {
          failedHosts.set(host, failureOf(err));
        },
      );
      children.push({ host, handle, result });
    }

    await wf.condition(() => ready.size === children.length || failedHosts.size > 0 || releaseRequested);
    if (failedHosts.size > 0) throw hostFailure();
    if (releaseRequested) throw new ReleaseBeforeActive();

    if (input.access.vpnUsers.length) {
      undos.push({ step: 'vpn', undo: () => undo.removeVpnAccounts({ bookingId: input.id, users: input.access.vpnUsers }) });
      const vpn = await runBookingStep('vpn', () =>
        bookingSteps.createVpnAccounts({ bookingId: input.id, project: input.project, users: input.access.vpnUsers }),
      );
      status.vpnAccounts = vpn.accounts;
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
    const leaseMs = Math.max(0, Date.parse(input.end) - Date.now());
    await wf.condition(() => releaseRequested || failedHosts.size > 0, leaseMs);
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

  const leftovers = await unwind(null, undos, (step, phase, error) => {
    const r = status.bookingSteps.find((s) => s.step === step);
    if (r) Object.assign(r, { status: phase, ...(error ? { error } : {}) });
    return Promise.resolve();
  });
  status.leftovers.push(...leftovers);

  return wf.CancellationScope.nonCancellable(async () => {
    if (status.leftovers.length) {
      await setState('needs_cleanup', { leftovers: status.leftovers });
    } else if (failure) {
      await setState('failed', { error: failure });
    } else {
      await setState('released');
    }
    if (failure) throw wf.ApplicationFailure.create({ type: 'BookingFailed', message: failure.message, nonRetryable: true, details: [failure] });
    return status;
  });

  /** The first host failure names the booking's failure; its type is the step's own. */
  function hostFailure(): wf.ApplicationFailure {
    const [first] = failedHosts.values();
    return wf.ApplicationFailure.create({ type: first!.type, message: first!.message, nonRetryable: true });
  }

  async function teardownHosts(): Promise<void> {
    for (const c of children) {
      if (failedHosts.has(c.host)) continue;
      try {
        await c.handle.signal(teardownSignal);
      } catch {
        // Already finished: nothing to tear down.
      }
    }
    await Promise.all(children.map((c) => c.result));
  }
}

class ReleaseBeforeActive extends Error {}
