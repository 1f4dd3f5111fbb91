import { Context } from '@temporalio/activity';
import type { CaptureEnd, ConsoleCapture } from '../workflows/console-capture';
import { CAPTURE_RUN_MS } from '../workflows/console-capture';
import type { ActivityDeps, ConsoleLogStore } from './deps';
import { asStep, badInput } from './failures';
import { HEARTBEAT_EVERY_MS } from './heartbeat';
import { labDirectory } from './lab-directory';
import type { ConsoleStream } from '../drivers/console/source';

type Deps = Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'timing' | 'consoleLogs'>;

/**
 * Writes a stream's bytes into the log in order, one write at a time; bytes that arrive while a
 * write runs go together in the next. `gone` is called once the log is found deleted.
 */
function logWriter(logs: ConsoleLogStore, node: string, gone: () => void, failed: (err: unknown) => void) {
  let pending: Buffer[] = [];
  let running: Promise<void> = Promise.resolve();
  let writing = false;
  const drain = async () => {
    writing = true;
    try {
      while (pending.length > 0) {
        const bytes = Buffer.concat(pending);
        pending = [];
        if (!(await logs.append(node, bytes))) return gone();
      }
    } catch (err) {
      failed(err);
    } finally {
      writing = false;
    }
  };
  return {
    add(chunk: Buffer) {
      pending.push(chunk);
      if (!writing) running = drain();
    },
    flushed: () => running,
  };
}

/** Captures until the BMC ends the console, the log is deleted, Temporal cancels, or the run's time is up. */
async function capture(stream: ConsoleStream, logs: ConsoleLogStore, node: string, heartbeatMs: number): Promise<CaptureEnd | 'gone'> {
  // Listening first: a console may speak as soon as it is open.
  const ctx = Context.current();
  let finish!: (end: CaptureEnd | 'gone' | { failed: unknown }) => void;
  const ended = new Promise<CaptureEnd | 'gone' | { failed: unknown }>((resolve) => (finish = resolve));
  const writer = logWriter(logs, node, () => finish('gone'), (err) => finish({ failed: err }));
  stream.onData((chunk) => writer.add(chunk));
  stream.onEnd((reason) => finish({ ended: reason }));
  const onCancel = () => finish({ failed: ctx.cancellationSignal.reason });
  ctx.cancellationSignal.addEventListener('abort', onCancel);
  // Heartbeats carry Temporal's cancellation to the activity; nothing else is in them.
  const beat = setInterval(() => ctx.heartbeat(), heartbeatMs);
  const renew = setTimeout(() => finish({ renew: true }), CAPTURE_RUN_MS);
  ctx.heartbeat();
  try {
    // The API waits for this to answer the start; a log deleted meanwhile ends the capture.
    if (!(await logs.mark(node, 'running'))) finish('gone');
    const end = await ended;
    await stream.stop();
    await writer.flushed();
    if (typeof end === 'object' && 'failed' in end) throw end.failed;
    return end;
  } finally {
    clearInterval(beat);
    clearTimeout(renew);
    ctx.cancellationSignal.removeEventListener('abort', onCancel);
  }
}

export function createConsoleActivities(deps: Deps) {
  const lab = labDirectory(deps);
  const logs = (): ConsoleLogStore => {
    if (!deps.consoleLogs || !deps.drivers.console) throw badInput(`the worker of lab ${deps.labName} captures no consoles`);
    return deps.consoleLogs;
  };
  return {
    /**
     * A node's serial console into its log, for as long as the capture is wanted: opened with the
     * BMC's credentials (read here, never carried by the workflow), every byte appended to the
     * log in PostgreSQL. Heartbeats while it runs, so a worker that dies is noticed and the
     * capture opened again elsewhere; ends quietly when the log was deleted (the capture stopped).
     */
    async captureConsole({ node }: ConsoleCapture): Promise<CaptureEnd> {
      const store = logs();
      const host = await asStep(() => lab.host(node));
      const bmc = await asStep(() => lab.bmc(node));
      const stream = await asStep(() => deps.drivers.console!.open(host.bmc.type, bmc));
      const end = await capture(stream, store, node, deps.timing.heartbeatMs ?? HEARTBEAT_EVERY_MS);
      if (end === 'gone') return { ended: 'stopped' };
      if ('ended' in end) await store.mark(node, 'ended', end.ended);
      return end;
    },
    /** The capture could not go on (opening failed for good): its log says why. */
    async consoleEnded({ node, reason }: { node: string; reason: string }): Promise<void> {
      await logs().mark(node, 'ended', reason);
    },
  };
}
