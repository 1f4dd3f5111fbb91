import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { BookingStateKey, type HostSnapshot } from './definitions';
import type { hostWorkflow } from './host';
import type { Unfinished } from './saga';
import { snapshotOf } from './snapshot';
import { bookingStepOptions, bookingUndoOptions, bookkeepingOptions, localBookkeepingOptions, refusals, waitingForCancellation } from './activity-options';
import { BOOKING_STEPS, HOST_STEPS, type BookingInput, type BookingState, type BookingStatus, type BookingStep, type Leftover, type StepRecord } from './types';

// Bounds and retry policies: workflows/activity-options.ts (a test checks them against a 5-minute outage).
export { refusals };
export const bookkeeping = wf.proxyActivities<Activities>(bookkeepingOptions);
const localBookkeeping = wf.proxyLocalActivities<Activities>(localBookkeepingOptions);
export const bookingSteps = wf.proxyActivities<Activities>(bookingStepOptions);
/** The same steps, a cancelled one counting as stopped only once its activity has (patch i17-booking-steps-early). */
export const bookingStepsWaited = wf.proxyActivities<Activities>(waitingForCancellation(bookingStepOptions));
export const undo = wf.proxyActivities<Activities>(bookingUndoOptions);

/** One host child of the booking (a host tried again has a second one). */
export interface Child {
  host: string;
  handle: wf.ChildWorkflowHandle<typeof hostWorkflow>;
  /** Leftovers of its last undo round; absent until its undos have run. */
  undone?: Leftover[];
  /** Counts the child's undo reports, so a cleanup round knows when every child answered. */
  reports: number;
}

/** The booking's status before anything ran: every step pending. */
export function initialStatus(input: BookingInput): BookingStatus {
  return {
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
}

/**
 * What one run of a booking workflow knows, shared by its main line (booking.ts), the host
 * children's reports (host-reports.ts) and the callers' signals and updates (booking-updates.ts).
 */
export class BookingRun {
  readonly status: BookingStatus;
  releaseRequested = false;
  allocated = false;
  leaseMoved = false;
  cleanupRequested = false;
  cleanupRound = 0;
  readonly ready = new Set<string>();
  readonly failedHosts = new Map<string, { type: string; message: string }>();
  readonly children: Child[] = [];
  bookingUnfinished: Unfinished[] = [];
  /** Booking-level undos (VPN, headnode) whose last run failed. */
  readonly bookingUndosFailed = new Set<string>();
  /** The last report counter heard from each host (its reports are not awaited). */
  readonly lastReport = new Map<string, number>();
  /** Set once, where the patch was first asked (bookkeeping as local activities). */
  bookkeepingLocally = false;
  /**
   * Patch i17-booking-fewer-events: the memo is written once and when the lease moves (the state
   * is a search attribute), the VPN and headnode steps run together, and so do their undos with
   * the hosts' teardown.
   */
  fewerEvents = false;
  /**
   * Patch i17-booking-steps-early (implies i17-booking-fewer-events): the VPN accounts and the
   * headnode are made once the first host is ready, while the others finish, not after the last;
   * a cancelled one is undone only once its activity has stopped (WAIT_CANCELLATION_COMPLETED).
   */
  bookingStepsEarly = false;
  private memoWritten = false;
  private eventSeq = 0;

  constructor(readonly input: BookingInput) {
    this.status = initialStatus(input);
  }

  /**
   * An earlier change's patch. A booking with i17-booking-fewer-events takes every earlier
   * change's path without asking: each patch asked costs its history a marker and a search
   * attribute update. Bookings from before it ask as they did, in the same places.
   */
  patched(id: string): boolean {
    return this.fewerEvents || wf.patched(id);
  }

  /**
   * The allocator's activities (PostgreSQL, milliseconds): local ones since
   * i17-booking-fewer-events, one marker each instead of three events and a workflow task.
   */
  get ledger(): typeof bookkeeping {
    return this.fewerEvents ? localBookkeeping : bookkeeping;
  }

  /** The allocation given back: a local activity since i17-booking-fewer-events, like the other writes of the allocator. */
  releaseAllocation(): Promise<void> {
    return (this.fewerEvents ? localBookkeeping : undo).releaseAllocation({ bookingId: this.input.id });
  }

  heldHosts(): string[] {
    return this.status.hosts.filter((h) => h.held).map((h) => h.name);
  }

  refreshLeftovers(): void {
    this.status.leftovers = [...this.bookingUnfinished.map((u) => u.leftover), ...this.children.flatMap((c) => c.undone ?? [])];
  }

  /** The newest child of a host (a host tried again has two). */
  childOf(host: string): Child | undefined {
    return [...this.children].reverse().find((c) => c.host === host);
  }

  /** Reports are not awaited by the host: one overtaken by a later one is stale. */
  fresh(host: string, seq: number | undefined): boolean {
    if (seq === undefined) return true;
    if (seq <= (this.lastReport.get(host) ?? 0)) return false;
    this.lastReport.set(host, seq);
    return true;
  }

  takeSnapshot(host: string, { steps, seq }: HostSnapshot): void {
    const h = this.status.hosts.find((x) => x.name === host);
    if (!h || !steps || !this.fresh(host, seq)) return;
    for (const record of steps) Object.assign(h.steps.find((x) => x.step === record.step) ?? {}, record);
  }

  async event(kind: string, detail: Record<string, unknown> = {}): Promise<void> {
    // The key is deterministic, so a retried or replayed append records once.
    // The booking's snapshot rides along: the read model the API serves (db/booking-views.ts).
    const seq = ++this.eventSeq;
    const view = snapshotOf(this.status, this.input, seq, wf.workflowInfo().startTime);
    await (this.bookkeepingLocally ? localBookkeeping : bookkeeping).recordBookingEvent({ bookingId: this.input.id, key: `${seq}:${kind}`, kind, detail, view });
  }

  updateMemo(): void {
    const { input, status } = this;
    this.memoWritten = true;
    // The state and hosts are search attributes: a memo that does not follow every state costs no events.
    if (this.fewerEvents) wf.upsertMemo({ summary: { project: input.project, owner: input.owner, end: status.end } });
    else wf.upsertMemo({ summary: { project: input.project, owner: input.owner, state: status.state, hosts: status.hosts.map((h) => h.name), end: status.end } });
  }

  async setState(state: BookingState, detail: Record<string, unknown> = {}): Promise<void> {
    this.status.state = state;
    wf.upsertSearchAttributes([{ key: BookingStateKey, value: state }]);
    if (!this.fewerEvents || !this.memoWritten) this.updateMemo();
    await this.event(`state:${state}`, detail);
  }

  bookingStep(step: BookingStep): StepRecord {
    return this.status.bookingSteps.find((s) => s.step === step)!;
  }
}
