import pino, { type Logger } from 'pino';
import { withDriverLog } from '../config/driver-log';
import { prettyLogs, prettyOptions } from '../config/log-format';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/worker';

/**
 * The worker's logs: pino, one JSON line per event (pretty, one line each, under `npm start`
 * with LAAS_LOG_PRETTY=1). Each step's start, finish, retry and undo is one line with the
 * booking id, host and step; arguments and results (users' keys, passwords) never are.
 */
export function createLogger(name: string, level: string, destination?: pino.DestinationStream): Logger {
  const pretty = prettyLogs() && !destination;
  const options = { name, level, base: { name } };
  if (pretty) return pino({ ...options, ...prettyOptions(name) });
  return destination ? pino(options, destination) : pino(options);
}

/** The Temporal SDK's own log lines (worker state, core warnings) through the same logger. */
export function sdkLogger(log: Logger): SdkLogger {
  const at = (level: LogLevel) => (message: string, meta?: LogMetadata) => log[level.toLowerCase() as 'info']({ sdk: true, ...meta }, message);
  return {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}

const UNDO = /^(undo|powerOff|reset|remove|delete|release|destroy|deprovision)/;

/** `booking-<id>-host-<host>` or `booking-<id>`: the ids operators search the log by. */
export function bookingOf(workflowId: string): { bookingId?: string; host?: string } {
  const m = /^booking-(.+?)(?:-host-(.+))?$/.exec(workflowId);
  return m ? { bookingId: m[1], ...(m[2] ? { host: m[2] } : {}) } : {};
}

/** One line when each activity starts, finishes, fails (to be retried or for good); undos say so. */
export function stepLogging(log: Logger): ActivityInterceptorsFactory {
  return (ctx) => {
    const info = ctx.info;
    const step = info.activityType;
    const fields = { ...bookingOf(info.workflowExecution?.workflowId ?? ''), step, attempt: info.attempt, kind: UNDO.test(step) ? 'undo' : 'step' };
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const started = Date.now();
        log.info(fields, `${fields.kind} ${step} ${info.attempt > 1 ? 'retry' : 'start'}`);
        try {
          // The drivers' debug lines carry the same fields (config/driver-log.ts).
          const result = await withDriverLog(log.child({ ...fields, driver: true }), () => next(input));
          log.info({ ...fields, ms: Date.now() - started }, `${fields.kind} ${step} finished`);
          return result;
        } catch (err) {
          const e = err as Error;
          log.warn({ ...fields, ms: Date.now() - started, error: { type: e.name, message: e.message } }, `${fields.kind} ${step} failed`);
          throw err;
        }
      },
    };
    return { inbound };
  };
}
