import { setTimeout as sleep } from 'node:timers/promises';

// Error codes that mean "the database is not there right now", not "the query is wrong":
// connection refused/reset/timed out, the server shutting down or starting up, connection lost.
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const PG_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i, /Connection refused/i];

/** True when `err` says PostgreSQL is unreachable (an outage), as opposed to a refusal of the query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NODE_CODES.has(code) || PG_CODES.has(code))) return true;
  if (err instanceof AggregateError && err.errors.some(isDatabaseUnavailable)) return true;
  return MESSAGES.some((m) => m.test(err.message));
}

/**
 * How long a step waits for an unreachable database inside one attempt (4 minutes: inside a device
 * step's bound, so the step waits out an outage instead of spending an attempt on it).
 */
export const OUTAGE_WAIT_MS = 240_000;

export interface OutageWait {
  /** Longest to wait for the database to come back before giving up with its last error. */
  maxMs?: number;
  /** First pause between two tries; doubled up to 10 s. */
  firstPauseMs?: number;
}

/**
 * Runs `work`, trying again while the database is unreachable, for up to `maxMs` (OUTAGE_WAIT_MS
 * by default). Any other error is thrown at once.
 */
export async function waitForDatabase<T>(work: () => Promise<T>, options: OutageWait = {}): Promise<T> {
  const deadline = Date.now() + (options.maxMs ?? OUTAGE_WAIT_MS);
  let pause = options.firstPauseMs ?? 250;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() + pause > deadline) throw err;
      await sleep(pause);
      pause = Math.min(pause * 2, 10_000);
    }
  }
}

/** The same object whose async methods wait out a database outage (see waitForDatabase). */
export function waitingForDatabase<T extends object>(target: T, options: OutageWait = {}): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value: unknown = Reflect.get(obj, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => waitForDatabase(() => Promise.resolve((value as (...a: unknown[]) => unknown).apply(obj, args)), options);
    },
  });
}
