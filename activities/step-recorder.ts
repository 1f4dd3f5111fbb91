import { AsyncLocalStorage } from 'node:async_hooks';
import { Context, type Info } from '@temporalio/activity';
import type { StepWrite } from '../db/booking-steps';
import { isDatabaseUnavailable, waitForDatabase } from '../db/outage';
import type { EventSink, ReadModelSink } from './deps';
import { afterFailure } from './failure-budget';
import { HEARTBEAT_EVERY_MS } from './heartbeat';

/** Which step (and which half of it) each step or undo activity is. */
const STEPS: Record<string, { step: string; undo: boolean }> = {
  preparePower: { step: 'power', undo: false },
  powerOffHost: { step: 'power', undo: true },
  imageHost: { step: 'imaging', undo: false },
  cancelImaging: { step: 'imaging', undo: true },
  configureSwitchPorts: { step: 'switch', undo: false },
  resetSwitchPorts: { step: 'switch', undo: true },
  writeNetworkFiles: { step: 'network', undo: false },
  removeNetworkFiles: { step: 'network', undo: true },
  installSshKeys: { step: 'access', undo: false },
  removeSshKeys: { step: 'access', undo: true },
  createVpnAccounts: { step: 'vpn', undo: false },
  removeVpnAccounts: { step: 'vpn', undo: true },
  createHeadnode: { step: 'headnode', undo: false },
  destroyHeadnode: { step: 'headnode', undo: true },
};

/**
 * Activities that wait out a database outage inside each attempt (for up to OUTAGE_WAIT_MS) rather
 * than spending their attempts on it: every recorded step and undo (its first write waits), and
 * releaseAllocation (activities/booking.ts). Checked against their retry policies by a test.
 */
export const WAIT_OUT_OUTAGES_IN_ATTEMPT: ReadonlySet<string> = new Set([...Object.keys(STEPS), 'releaseAllocation']);

/** Writes within one attempt: start, progress (at most this many), end. */
const PER_ATTEMPT = 1000;

interface Target {
  bookingId: string;
  host: string;
}

/** The booking and host an activity works for; null outside bookings (HIL power and network calls). */
function targetOf(info: Info, arg: { bookingId?: unknown; host?: unknown } | undefined): Target | null {
  const bookingId = typeof arg?.bookingId === 'string' ? arg.bookingId : null;
  if (info.workflowType === 'bookingWorkflow' && bookingId) return { bookingId, host: '' };
  if (info.workflowType !== 'hostWorkflow' || typeof arg?.host !== 'string') return null;
  if (bookingId) return { bookingId, host: arg.host };
  // Host activities carry only the host: the booking is in the child's id, booking-<id>-host-<host>.
  const id = info.workflowExecution?.workflowId ?? '';
  const suffix = `-host-${arg.host}`;
  if (!id.startsWith('booking-') || !id.endsWith(suffix)) return null;
  return { bookingId: id.slice('booking-'.length, -suffix.length), host: arg.host };
}

/** One attempt of one step, writing its record in order; progress writes are not awaited. */
class StepRun {
  private count = 0;
  private chain: Promise<void> = Promise.resolve();
  private lastPercent: number | null = null;
  private lastRebootSecond: number | null = null;
  /** What the step heartbeats now: at first the earlier attempt's details, which a beat must carry over. */
  details: unknown;
  constructor(
    readonly sink: ReadModelSink,
    private readonly target: Target,
    private readonly step: string,
    private readonly info: Info,
  ) {
    this.details = info.heartbeatDetails;
  }

  write(change: Omit<StepWrite, 'bookingId' | 'host' | 'step' | 'ordinal'>, last = false): Promise<void> {
    const ordinal = this.info.currentAttemptScheduledTimestampMs * PER_ATTEMPT + (last ? PER_ATTEMPT - 1 : Math.min(this.count++, PER_ATTEMPT - 2));
    const write = { ...this.target, step: this.step, ordinal, ...change };
    // A database outage is waited out (as the step's own inventory reads do): the device work is done, its record must not fail it.
    this.chain = this.chain.catch(() => undefined).then(() => waitForDatabase(() => this.sink.step(write)));
    return this.chain;
  }

  progress(percent: number): void {
    if (percent === this.lastPercent) return;
    this.lastPercent = percent;
    // A lost progress write is a nicety lost; the step's own end write comes after it.
    this.write({ status: 'running', progress: percent }).catch(() => undefined);
  }

  rebootWait(ms: number): void {
    // A reboot's wait is a nicety too, written at most once a second of it.
    if (this.lastRebootSecond === Math.floor(ms / 1000)) return;
    this.lastRebootSecond = Math.floor(ms / 1000);
    this.write({ status: 'running', rebootWaitMs: Math.round(ms) }).catch(() => undefined);
  }

  event(status: string, detail: Record<string, unknown>): Promise<void> {
    const { bookingId, host } = this.target;
    const key = `step:${host}:${this.step}:${status}:${this.info.currentAttemptScheduledTimestampMs}`;
    return waitForDatabase(() => this.sink.append({ bookingId, key, kind: `step:${status}`, ...(host ? { host } : {}), step: this.step, detail }));
  }
}

const current = new AsyncLocalStorage<StepRun>();

/** Imaging's heartbeats carry its percentage, the network step's its reboot's wait: the running step's record shows them. */
export function noteProgress(details: unknown): void {
  const run = current.getStore();
  if (run) run.details = details;
  const { percent, rebootWaitMs } = (details ?? {}) as { percent?: unknown; rebootWaitMs?: unknown };
  if (typeof percent === 'number') current.getStore()?.progress(percent);
  if (typeof rebootWaitMs === 'number') current.getStore()?.rebootWait(rebootWaitMs);
}

function failureOf(err: unknown): { type: string; message: string } {
  if (!(err instanceof Error)) return { type: 'Error', message: String(err) };
  const type = (err as { type?: unknown }).type;
  return { type: typeof type === 'string' && type ? type : err.name, message: err.message };
}

type AnyActivity = (arg: never) => Promise<unknown>;

/** Runs one step or undo activity, recording its start, progress and end in the read model. */
async function recorded<T>(sink: ReadModelSink, name: string, arg: unknown, run: () => Promise<T>, done?: (target: Target) => Promise<void>): Promise<T> {
  const info = Context.current().info;
  const target = targetOf(info, arg as Record<string, unknown>);
  const kind = STEPS[name]!;
  if (!target) return run();
  const rec = new StepRun(sink, target, kind.step, info);
  // The record's own writes wait out a database outage before and after the step's work: the step
  // heartbeats meanwhile (with what it heartbeats anyway), so the wait is not a heartbeat timeout.
  const ctx = Context.current();
  const alive = setInterval(() => ctx.heartbeat(rec.details), HEARTBEAT_EVERY_MS);
  try {
    return await recordedRun(rec, kind, target, info, run, done);
  } finally {
    clearInterval(alive);
  }
}

async function recordedRun<T>(rec: StepRun, kind: { step: string; undo: boolean }, target: Target, info: Info, run: () => Promise<T>, done?: (target: Target) => Promise<void>): Promise<T> {
  const sink = rec.sink;
  const now = () => new Date().toISOString();
  const attempt = info.attempt;
  const started = kind.undo ? { status: 'undoing' } : { status: 'running', startedAt: now(), finishedAt: null, attempt, progress: null, rebootWaitMs: null, error: null };
  await rec.write(started);
  await rec.event(started.status, { attempt });
  try {
    const result = await current.run(rec, run);
    const end = kind.undo ? 'undone' : 'done';
    await rec.write({ status: end, ...(kind.undo ? {} : { finishedAt: now(), attempt }) }, true);
    await rec.event(end, { attempt });
    if (done && !kind.undo) await waitForDatabase(() => done(target));
    return result;
  } catch (err) {
    // A step cancelled by its booking's teardown did not fail: it stopped.
    const cancelled = Context.current().cancellationSignal.aborted;
    const error = failureOf(err);
    const status = cancelled ? (kind.undo ? 'undoing' : 'pending') : 'failed';
    await rec.write({ status, ...(kind.undo ? {} : { finishedAt: now() }), ...(cancelled ? {} : { error }) }, true).catch(() => undefined);
    // A database that was away is the platform's fault, not the step's: its budget does not pay for it.
    const platform = isDatabaseUnavailable(err);
    await rec.event(status, { attempt, ...(cancelled ? {} : { error }), ...(platform ? { platform } : {}) }).catch(() => undefined);
    // A step that has failed by itself as often as its budget allows fails for good (failure-budget.ts).
    throw cancelled || kind.undo ? err : await afterFailure(sink, target, kind.step, info, err);
  }
}

/**
 * The same activities, each step and undo recording itself in the read model: its start, its
 * progress and its end, idempotently, keyed by booking, host and step (see db/booking-steps.ts).
 * `onNetworkUp` records how a host is reached once its network step is done.
 */
export function recordingSteps<A extends Record<string, unknown>>(activities: A, events: EventSink, onNetworkUp?: (t: Target) => Promise<void>): A {
  if (!events.step || !events.view || !events.hostAccess) return activities;
  const sink = events as ReadModelSink;
  const out: Record<string, unknown> = { ...activities };
  for (const name of Object.keys(STEPS)) {
    const fn = activities[name] as AnyActivity | undefined;
    if (!fn) continue;
    const hook = name === 'writeNetworkFiles' ? onNetworkUp : undefined;
    out[name] = (arg: never) => recorded(sink, name, arg, () => fn(arg), hook);
  }
  return out as A;
}
