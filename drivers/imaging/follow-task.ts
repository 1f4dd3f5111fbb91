/**
 * Following an imaging task to its end, the step the old LaaS backend got wrong:
 * it waited for the task to leave the active list, never asked how it ended, and
 * had no bound. Here every wait is bounded, progress is reported on every poll,
 * and Complete, Cancelled and vanished are three different outcomes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FogTaskFailed, FogUnreachable, type ImagingDriver, type ImagingTaskStatus } from './imaging';

export interface FollowOptions {
  /** Pause between two polls; shorter when the task's progress says it ends sooner (nextPollMs). */
  pollMs: number;
  /** Give up when the task has not completed after this long. */
  timeoutMs: number;
  /** Give up when neither the state nor the percentage moved for this long; unset, only timeoutMs bounds the wait. */
  stallMs?: number;
  /** Called after every poll, moving or not, so it can double as an activity heartbeat. May throw to stop following. */
  onProgress?: (status: ImagingTaskStatus) => void | Promise<void>;
  /** Polls in a row that may fail with FogUnreachable (a server hiccup) before that failure is thrown; default 3. */
  maxConsecutiveErrors?: number;
  /** Stops the wait (e.g. the activity was cancelled); the abort reason is thrown. */
  signal?: AbortSignal;
  /** Names the host in error messages. */
  hostName?: string;
}

/** Why following ended without completion; also in the thrown FogTaskFailed's `details.outcome`. */
export type FollowFailure = 'cancelled' | 'vanished' | 'timeout' | 'stalled';

function failed(host: string, taskId: string, outcome: FollowFailure, detail: string): FogTaskFailed {
  const err = new FogTaskFailed(host, detail);
  Object.assign(err.details, { taskId, outcome });
  return err;
}

/** The first and the latest in-progress readings of a task: its rate of progress. */
export interface ProgressSeen {
  firstAt: number;
  firstPercent: number;
  lastAt: number;
  lastPercent: number;
}

/**
 * The pause before the next poll: the poll interval, or less when the task's own progress says it
 * ends sooner. FOG's percentage grows with the bytes written, so the rate since the first reading
 * predicts the end; polling then, instead of up to a whole interval later, takes that wait (half
 * an interval on average) off every host's imaging. Past the predicted end the task is polled at a
 * quarter of the interval for one more interval, then at the interval again: a task that ends
 * later than predicted costs at most four extra polls.
 */
export function nextPollMs(pollMs: number, seen: ProgressSeen | undefined, now: number): number {
  if (!seen || seen.lastPercent <= seen.firstPercent || seen.lastPercent >= 100 || seen.lastAt <= seen.firstAt) return pollMs;
  const quick = Math.max(1, Math.floor(pollMs / 4));
  const percentPerMs = (seen.lastPercent - seen.firstPercent) / (seen.lastAt - seen.firstAt);
  const untilEnd = seen.lastAt + (100 - seen.lastPercent) / percentPerMs - now;
  if (untilEnd >= pollMs) return pollMs;
  if (untilEnd > 0) return Math.max(quick, Math.ceil(untilEnd));
  return -untilEnd < pollMs ? quick : pollMs;
}

const where = (s: ImagingTaskStatus | undefined): string => (s ? `${s.state} at ${s.percent}%` : 'never read');

/**
 * Polls the task until FOG reports it Complete and resolves with that status.
 * Throws FogTaskFailed with details.outcome "cancelled", "vanished", "timeout" or "stalled".
 */
export async function followTask(driver: ImagingDriver, taskId: string, options: FollowOptions): Promise<ImagingTaskStatus> {
  const { pollMs, timeoutMs, stallMs, onProgress, signal } = options;
  const host = options.hostName ?? `the host of task ${taskId}`;
  const maxErrors = options.maxConsecutiveErrors ?? 3;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last: ImagingTaskStatus | undefined;
  let lastMoved = started;
  let errors = 0;
  let seen: ProgressSeen | undefined;

  for (;;) {
    signal?.throwIfAborted();
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw failed(host, taskId, 'timeout', `task ${taskId} did not complete within ${timeoutMs} ms (${where(last)})`);
    }
    let status: ImagingTaskStatus | undefined;
    try {
      status = await withinMs(driver.taskStatus(taskId), remaining);
      errors = 0;
    } catch (err) {
      if (!(err instanceof FogUnreachable) || ++errors > maxErrors) throw err;
    }
    if (status) {
      const before = last;
      if (!before || status.state !== before.state || status.percent !== before.percent) lastMoved = Date.now();
      last = status;
      if (status.state === 'in-progress') {
        const at = Date.now();
        seen = seen ? { ...seen, lastAt: at, lastPercent: status.percent } : { firstAt: at, firstPercent: status.percent, lastAt: at, lastPercent: status.percent };
      }
      await onProgress?.(status);
      if (status.state === 'complete') return status;
      if (status.state === 'cancelled') {
        throw failed(host, taskId, 'cancelled', `task ${taskId} was cancelled in FOG at ${status.percent}%`);
      }
      if (status.state === 'vanished') {
        throw failed(host, taskId, 'vanished', `task ${taskId} disappeared from FOG before completing (last seen ${where(before)})`);
      }
      if (stallMs !== undefined && Date.now() - lastMoved >= stallMs) {
        throw failed(host, taskId, 'stalled', `task ${taskId} made no progress for ${stallMs} ms (stuck ${where(status)})`);
      }
    }
    const pause = Math.min(nextPollMs(pollMs, seen, Date.now()), Math.max(0, deadline - Date.now()));
    try {
      await sleep(pause, undefined, signal ? { signal } : undefined);
    } catch (err) {
      // Surface the caller's reason (e.g. Temporal's cancellation), not a generic AbortError.
      signal?.throwIfAborted();
      throw err;
    }
  }
}

/** The poll itself is bounded too: a server that never answers must not outlast the deadline. */
async function withinMs<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
