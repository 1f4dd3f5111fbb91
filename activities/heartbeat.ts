import { Context } from '@temporalio/activity';
import type { Timing } from './deps';
import { noteProgress } from './step-recorder';

/**
 * Pause between two heartbeats of a running step. Workflows give steps a heartbeat timeout of
 * about 30 s, so a worker that died is noticed after a few missed beats; the worker throttles
 * what it sends to the server to one every 2 to 5 s anyway.
 */
export const HEARTBEAT_EVERY_MS = 5_000;

export interface Heartbeat {
  /** Sends `details` at once and with every later beat; a retried attempt reads the last ones back. */
  record(details: unknown): void;
  /**
   * Between device calls: stops the step when Temporal has cancelled it (the workflow gave up on
   * it, its timeout passed, or the worker is shutting down). A call already in flight is never
   * abandoned, so an undo cannot overtake the step's own last change to a device.
   */
  throwIfCancelled(): void;
}

/**
 * Runs a step (or an undo) with heartbeats: one when it starts, then one every few seconds until
 * it ends. Heartbeats are also how Temporal tells a running activity that it was cancelled.
 * `details` starts what every beat carries; by default nothing, so an earlier attempt's details
 * are only carried over by steps that read them.
 */
export async function heartbeating<T>(timing: Pick<Timing, 'heartbeatMs'>, work: (beat: Heartbeat) => Promise<T>, details?: unknown): Promise<T> {
  const ctx = Context.current();
  let current = details;
  // A local activity (bookkeeping the workflow runs locally) has no heartbeats: the server does not know it.
  const send = ctx.info.isLocal ? (): void => undefined : (): void => ctx.heartbeat(current);
  const beat: Heartbeat = {
    record(next) {
      current = next;
      noteProgress(next);
      send();
    },
    throwIfCancelled() {
      const signal = ctx.cancellationSignal;
      if (signal.aborted) throw signal.reason;
    },
  };
  send();
  const timer = setInterval(send, timing.heartbeatMs ?? HEARTBEAT_EVERY_MS);
  try {
    return await work(beat);
  } finally {
    clearInterval(timer);
  }
}
