import { CliError, EXIT, type CliContext } from '../context';
import type { ApiClient } from './api-client';
import { type BookingView, isSettled } from './booking-types';
import { changeLines, screenLines } from './booking-screen';

/**
 * Exit codes of `bookings watch` (and of other commands that wait), by the state the booking
 * settled in. Scripts can tell "ready" from "waiting for an operator" from "broken".
 */
export const SETTLED_EXIT: Readonly<Record<string, number>> = {
  active: EXIT.ok,
  released: EXIT.ok,
  failed: EXIT.failed,
  /** A failed step waits for an operator: `laas bookings retry`. */
  held: 5,
  /** Some undo failed: `laas cleanup retry`. */
  needs_cleanup: 6,
};

export type WatchMode = 'screen' | 'lines' | 'json' | 'quiet';

export interface WatchOptions {
  mode: WatchMode;
  intervalMs: number;
  /** Give up after this long (the booking goes on; only the watching stops). */
  timeoutMs?: number;
  /** Terminal width, so a redrawn line never wraps and throws the redraw off. */
  columns?: number;
  /**
   * The state the booking is being moved out of (after a release or a retry): until it has been
   * seen in another state, that one does not count as settled.
   */
  leaving?: string;
  /** Sees every reading of the booking (a one-time VPN password shows in one reading only). */
  onView?: (b: BookingView) => void;
}

const ESC = '\x1b[';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Consecutive failed polls tolerated before giving up: an API restart should not end a watch. */
const MAX_MISSED_POLLS = 5;

async function poll(api: ApiClient, id: string): Promise<BookingView> {
  for (let missed = 0; ; missed++) {
    try {
      return await api.getBooking(id);
    } catch (err) {
      if (!(err instanceof CliError) || err.exitCode !== EXIT.unreachable || missed >= MAX_MISSED_POLLS) throw err;
      await sleep(1000);
    }
  }
}

/**
 * Follow a booking until it settles. On a terminal the table is redrawn in place; otherwise each
 * change is one line, so a log or a pipe reads well. Returns the settled booking.
 */
export async function watchBooking(api: ApiClient, id: string, ctx: CliContext, options: WatchOptions): Promise<BookingView> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let left = options.leaving === undefined;
  const stopAt = (state: string) => {
    if (state !== options.leaving) left = true;
    return left && isSettled(state);
  };
  let drawn = 0;
  let previous: BookingView | null = null;
  const fit = (line: string) => (options.columns && line.length >= options.columns ? line.slice(0, options.columns - 1) : line);
  const restoreCursor = () => process.stdout.write(`${ESC}?25h`);
  // Ctrl-C ends the watch, not the booking; the cursor must come back either way.
  const interrupted = () => {
    restoreCursor();
    process.exit(130);
  };
  if (options.mode === 'screen') {
    process.stdout.write(`${ESC}?25l`);
    process.once('SIGINT', interrupted);
  }
  try {
    for (;;) {
      const b = await poll(api, id);
      options.onView?.(b);
      const now = Date.now();
      if (options.mode === 'screen') {
        const lines = screenLines(b, now).map(fit);
        // Back to the first line of the last drawing, clear below, draw again.
        const back = drawn ? `\r${ESC}${drawn}A${ESC}J` : '';
        ctx.out(back + lines.join('\n'));
        drawn = lines.length;
      } else if (options.mode === 'lines') {
        for (const line of changeLines(previous, b, now)) ctx.out(line);
      }
      previous = b;
      if (stopAt(b.state)) return b;
      if (Date.now() > deadline) throw new CliError(`booking ${id} is still ${b.state} after ${Math.round((options.timeoutMs ?? 0) / 1000)} s`, EXIT.failed);
      await sleep(options.intervalMs);
    }
  } finally {
    if (options.mode === 'screen') {
      process.removeListener('SIGINT', interrupted);
      restoreCursor();
    }
  }
}

/** The settled state as an exit: nothing for success, a CliError with the state's code otherwise. */
export function settledOutcome(b: BookingView): void {
  const code = SETTLED_EXIT[b.state] ?? EXIT.failed;
  if (code === EXIT.ok) return;
  const hint =
    b.state === 'held'
      ? `: waiting for an operator (laas bookings retry ${b.id}, or --abort)`
      : b.state === 'needs_cleanup'
        ? `: some undo failed (laas cleanup retry ${b.id} once the cause is fixed)`
        : b.error
          ? `: ${b.error.type}: ${b.error.message}`
          : '';
  throw new CliError(`booking ${b.id} is ${b.state}${hint}`, code);
}
