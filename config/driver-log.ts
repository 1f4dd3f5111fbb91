import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';

/**
 * The logger drivers write their debug lines to: the running step's child logger (booking id,
 * host, step, attempt), set by the worker's step interceptor (workers/logging.ts); silent outside
 * a step. Drivers log what they do to a device (the command, the address, the request path),
 * never a password, token or key.
 */
const current = new AsyncLocalStorage<Logger>();
const silent = pino({ level: 'silent' });

export function driverLog(): Logger {
  return current.getStore() ?? silent;
}

/** Runs one step with its logger as the drivers' (their lines then carry the step's fields). */
export function withDriverLog<T>(log: Logger, work: () => Promise<T>): Promise<T> {
  return current.run(log, work);
}
