import * as wf from '@temporalio/workflow';
import { BookingIdKey, bookingStatusQuery, HostNamesKey, LabNameKey, OwnerKey, ProjectKey, retryCleanupSignal } from './definitions';
import { admissionGate, refusalOf } from './admission';
import { handleVpnPasswordReset } from './vpn-reset';
import { bookingSteps, bookingStepsWaited, BookingRun, refusals, undo } from './booking-run';
import { handleHostReports } from './host-reports';
import { handleAddAccess, handleExtend, handleOperatorUpdates, handleReimage, handleReleaseAndCredentials } from './booking-updates';
import { hostChildren, teardownHosts } from './host-children';
import { failureOf, isCancellation, unwind, type Compensation } from './saga';
import type { Allocation, BookingInput, BookingStatus, BookingStep } from './types';

class ReleaseBeforeActive extends Error {}

const leaseAlertMessage = (end: string) =>
  `the booking reached its safety bound (${end}) and is kept: only a release ends it. Its allocation ended then, so hosts and VLANs may be promised to later bookings: extend or release it`;

/**
 * A booking: allocate, provision every host in parallel (one child each) and, from the first host
 * ready, the booking-level VPN accounts and headnode; hold the lease (extendable); undo everything in reverse at release,
 * lease end or failure; keep what could not be undone until an operator has it retried.
 */
export async function bookingWorkflow(input: BookingInput): Promise<BookingStatus> {
  const run = new BookingRun(input);
  const { status } = run;
  // First of all: a booking with this patch took every earlier patch's path (BookingRun.patched).
  run.bookingStepsEarly = wf.patched('i17-booking-steps-early');
  run.fewerEvents = run.bookingStepsEarly || wf.patched('i17-booking-fewer-events');

  // Registered before the first await: the admission Update arrives with the start.
  const gate = run.patched('i14-admission-update') ? admissionGate(input.networks.map((n) => n.name)) : null;
  wf.setHandler(bookingStatusQuery, () => status);
  handleVpnPasswordReset(input.id, status);
  handleReleaseAndCredentials(run);
  handleHostReports(run);
  handleExtend(run);
  handleReimage(run);
  handleOperatorUpdates(run);
  handleAddAccess(run);
  run.bookkeepingLocally = run.patched('i17-bookkeeping-local');

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
      const allocation = await run.ledger.allocateBooking(allocationRequest);
      g.admit(allocation);
      return allocation;
    } catch (err) {
      const refusal = refusalOf(err);
      // Not the allocator's refusal (it kept failing): what an attempt may have taken is given back.
      if (!refusals.includes(refusal.type)) await run.releaseAllocation();
      return g.refuse(refusal);
    }
  }
  const admitted = gate ? await admit(gate) : undefined;
  const startsLater = run.patched('i14-scheduled-state') && Date.parse(input.start) > Date.now();
  await run.setState(startsLater ? 'scheduled' : 'provisioning');

  const undos: Compensation[] = [];
  let failure: { type: string; message: string } | null = null;
  /** The VPN accounts and headnode, once started while hosts are still being made (patch i17-booking-steps-early). */
  let bookingLevel: Promise<void> | undefined;
  try {
    undos.push({
      step: 'allocation',
      undo: async () => {
        // Released last and only when nothing else is left: a port still on the booking's VLAN
        // or a host still holding its keys must not be handed to the next booking.
        const remaining = run.children.some((c) => c.undone?.length) || run.bookingUndosFailed.size > 0;
        if (remaining) {
          throw wf.ApplicationFailure.create({ type: 'LeftoversRemain', message: 'allocation kept until the other leftovers are cleaned up', nonRetryable: true });
        }
        await run.releaseAllocation();
      },
    });
    const allocation = admitted ?? (await run.ledger.allocateBooking(allocationRequest));
    status.networks = input.networks.map((n) => ({ name: n.name, vlan: allocation.vlans[n.name] ?? null }));
    allocation.hosts.forEach((name, i) => {
      const h = status.hosts[i]!;
      h.name = name;
      h.hostname = input.hosts[i]!.hostname ?? name;
    });
    run.allocated = true;
    wf.upsertSearchAttributes([{ key: HostNamesKey, value: allocation.hosts }]);
    await run.event('allocated', { hosts: allocation.hosts, vlans: allocation.vlans });

    // A booking made ahead holds its allocation and waits, durably, for its start.
    const untilStart = Date.parse(input.start) - Date.now();
    if (untilStart > 0) await wf.condition(() => run.releaseRequested, untilStart);
    if (run.releaseRequested) throw new ReleaseBeforeActive();
    if (startsLater) await run.setState('provisioning');

    // Registered before the children start: tearing hosts down is idempotent per host.
    undos.push({ step: 'hosts', undo: () => teardownHosts(run), ...(run.fewerEvents ? { group: BOOKING_UNDOS } : {}) });
    const hosts = hostChildren(run, allocation);
    await hosts.startAll();

    // Provisioning: watch for every host ready, a failure, a release, or hosts held for an operator.
    // Once the first host is ready, the booking's own steps start while the others finish (they
    // need only its VLANs); their failure waits for the hosts to settle, so each host's own result
    // is still told (one-host bookings run them after their host, as before).
    const bookingLevelDue = () => run.bookingStepsEarly && !bookingLevel && run.ready.size > 0 && run.failedHosts.size === 0 && !run.releaseRequested;
    for (;;) {
      const settled = () => hosts.allReady() || run.failedHosts.size > 0 || run.releaseRequested;
      const heldChanged = () => (run.heldHosts().length > 0) !== (status.state === 'held');
      await wf.condition(() => hosts.failedChildren.length > 0 || settled() || heldChanged() || bookingLevelDue());
      if (bookingLevelDue()) {
        bookingLevel = bookingLevelSteps(run, allocation, undos);
        // Awaited below, or before the undos; a failure meanwhile is not an unhandled rejection.
        bookingLevel.catch(() => undefined);
        continue;
      }
      if (hosts.failedChildren.length > 0 && run.failedHosts.size === 0 && !run.releaseRequested) {
        await hosts.hostFailed(hosts.failedChildren.shift()!);
        continue;
      }
      if (settled()) break;
      await run.setState(run.heldHosts().length > 0 ? 'held' : 'provisioning', { hosts: run.heldHosts() });
    }
    if (run.failedHosts.size > 0) throw hostFailure(run);
    if (run.releaseRequested) throw new ReleaseBeforeActive();

    await (bookingLevel ?? bookingLevelSteps(run, allocation, undos));

    await run.setState('active');
    // The lease: a durable timer to the end, restarted when the booking is extended.
    while (!run.releaseRequested && run.failedHosts.size === 0) {
      const leaseMs = Date.parse(status.end) - Date.now();
      if (leaseMs <= 0 && input.leaseEnd === 'alert' && wf.patched('i12-lease-alert')) {
        // Another system ends this booking (the LaaS 2.x dashboard): its end is a safety bound only.
        await run.event('lease:alert', { end: status.end, message: leaseAlertMessage(status.end) });
        run.leaseMoved = false;
        await wf.condition(() => run.releaseRequested || run.failedHosts.size > 0 || run.leaseMoved);
        continue;
      }
      if (leaseMs <= 0) break;
      run.leaseMoved = false;
      await wf.condition(() => run.releaseRequested || run.failedHosts.size > 0 || run.leaseMoved, leaseMs);
    }
    if (run.failedHosts.size > 0) throw hostFailure(run);
    await run.setState('releasing', { reason: run.releaseRequested ? 'released' : 'lease ended' });
  } catch (err) {
    // Undone only once they have ended: an account made after its undo ran would be left behind.
    if (bookingLevel) await wf.CancellationScope.nonCancellable(() => bookingLevel!.catch(() => undefined));
    if (err instanceof ReleaseBeforeActive || isCancellation(err)) {
      await wf.CancellationScope.nonCancellable(() => run.setState('releasing', { reason: 'released while provisioning' }));
    } else {
      failure = failureOf(err);
      status.error = failure;
    }
  }

  const undoReport = (step: string, phase: 'undoing' | 'undone' | 'failed', error?: { type: string; message: string }) => {
    if (phase === 'failed') run.bookingUndosFailed.add(step);
    else run.bookingUndosFailed.delete(step);
    const r = status.bookingSteps.find((s) => s.step === step);
    if (r) Object.assign(r, { status: phase, ...(error ? { error } : {}) });
    return Promise.resolve();
  };
  run.bookingUnfinished = await unwind(null, undos, undoReport);
  run.refreshLeftovers();

  return wf.CancellationScope.nonCancellable(async () => {
    // What could not be undone waits here, visible, until an operator has it retried.
    while (status.leftovers.length) {
      await run.setState('needs_cleanup', { leftovers: status.leftovers });
      await run.ledger.recordLeftovers({ bookingId: input.id, leftovers: status.leftovers });
      await wf.condition(() => run.cleanupRequested);
      await retryHostCleanups(run);
      run.bookingUnfinished = await unwind(null, run.bookingUnfinished.map((u) => u.compensation), undoReport);
      run.refreshLeftovers();
      await run.ledger.recordLeftovers({ bookingId: input.id, leftovers: status.leftovers });
      run.cleanupRequested = false;
    }
    if (failure) {
      await run.setState('failed', { error: failure });
      throw wf.ApplicationFailure.create({ type: 'BookingFailed', message: failure.message, nonRetryable: true, details: [failure] });
    }
    await run.setState('released');
    return status;
  });
}

/** The first host failure names the booking's failure; its type is the step's own. */
function hostFailure(run: BookingRun): wf.ApplicationFailure {
  const [first] = run.failedHosts.values();
  return wf.ApplicationFailure.create({ type: first!.type, message: first!.message, nonRetryable: true });
}

async function runBookingStep<T extends { attempt: number }>(run: BookingRun, step: BookingStep, work: () => Promise<T>): Promise<T> {
  const r = run.bookingStep(step);
  Object.assign(r, { status: 'running', startedAt: new Date().toISOString() });
  try {
    const done = await work();
    Object.assign(r, { status: 'done', finishedAt: new Date().toISOString(), attempt: done.attempt });
    return done;
  } catch (err) {
    Object.assign(r, { status: 'failed', finishedAt: new Date().toISOString(), error: failureOf(err) });
    throw err;
  }
}

/** The booking's own undos that may run together with the hosts' teardown. */
const BOOKING_UNDOS = 'booking';

/**
 * The booking's VPN accounts and its headnode (one after the other in bookings from before
 * i17-booking-fewer-events, together since), each undo registered first: once every host is
 * ready, or since i17-booking-steps-early once the first one is.
 */
async function bookingLevelSteps(run: BookingRun, allocation: Allocation, undos: Compensation[]): Promise<void> {
  const { input, status } = run;
  const group = run.fewerEvents ? { group: BOOKING_UNDOS } : {};
  // A workflow cancelled by an operator mid-step: its undo must not overtake the step still at work.
  const steps = run.bookingStepsEarly ? bookingStepsWaited : bookingSteps;
  async function vpnStep(): Promise<void> {
    if (!input.access.vpnUsers.length) {
      Object.assign(run.bookingStep('vpn'), { status: 'done' });
      return;
    }
    undos.push({
      step: 'vpn',
      undo: () => {
        delete status.vpnPasswords;
        return undo.removeVpnAccounts({ bookingId: input.id, users: input.access.vpnUsers });
      },
      ...group,
    });
    const vpn = await runBookingStep(run, 'vpn', () => steps.createVpnAccounts({ bookingId: input.id, project: input.project, users: input.access.vpnUsers }));
    status.vpnAccounts = vpn.accounts;
    if (vpn.passwords && Object.keys(vpn.passwords).length) status.vpnPasswords = vpn.passwords;
  }
  async function headnodeStep(): Promise<void> {
    if (!input.headnode) {
      Object.assign(run.bookingStep('headnode'), { status: 'done' });
      return;
    }
    const networks = input.headnode.networks.map((name) => ({ name, vlan: allocation.vlans[name]! }));
    undos.push({ step: 'headnode', undo: () => undo.destroyHeadnode({ bookingId: input.id }), ...group });
    const hn = await runBookingStep(run, 'headnode', () => steps.createHeadnode({ bookingId: input.id, image: input.headnode!.image, networks }));
    status.headnode = { name: hn.name, ...(hn.console ? { console: hn.console } : {}) };
  }
  if (!run.fewerEvents) {
    await vpnStep();
    await headnodeStep();
    return;
  }
  // Both run to their end before a failure of either is thrown: the undos then find them finished.
  const [vpn, headnode] = await Promise.allSettled([vpnStep(), headnodeStep()]);
  for (const r of [vpn, headnode]) if (r.status === 'rejected') throw r.reason;
}

/** An operator's cleanup round, hosts first: each host with leftovers runs its failed undos again. */
async function retryHostCleanups(run: BookingRun): Promise<void> {
  const waiting = run.children.filter((c) => c.undone?.length);
  const before = new Map(waiting.map((c) => [c.host, c.reports]));
  for (const c of waiting) {
    try {
      await c.handle.signal(retryCleanupSignal);
    } catch {
      // Its workflow was ended by hand, so nothing here can run its undos again: the operator
      // who asked for this retry has cleaned that host up.
      c.undone = [];
      c.reports += 1;
      await run.event('cleanup:host-ended', { host: c.host });
    }
  }
  // The hosts first: the allocation, undone last, waits for them.
  await wf.condition(() => waiting.every((c) => c.reports > before.get(c.host)!));
}
