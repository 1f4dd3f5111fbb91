import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { consoleLogSince, consoleLogState, deleteConsoleLog, readConsoleLog, requestConsoleLog } from '../db/console-logs';
import type { Database } from '../db/database';
import { DeviceError } from '../drivers/errors';
import { consoleCaptureWorkflow } from '../workflows/console-capture';

/** Starts and stops a node's console capture where its BMC is reached: the lab's worker. */
export interface ConsoleRunner {
  /** Starts the capture (joining one that runs). */
  start(node: string): Promise<void>;
  /** Stops it, waiting (bounded) until the console is closed. */
  stop(node: string): Promise<void>;
}

/** The capture did not open: the BMC refused or failed, or no worker of the lab took it up. */
export class ConsoleNotCaptured extends DeviceError {
  constructor(node: string, why: string) {
    super('ConsoleNotCaptured', `the console of node ${node} could not be opened: ${why}`, false, { node });
  }
}

/** The capture as a workflow per node, `console-<lab>-<node>`, on the lab's task queue. */
export function temporalConsoleRunner(temporal: Client, taskQueue: string, lab: string, stopWaitMs = 20_000): ConsoleRunner {
  const workflowId = (node: string) => `console-${lab}-${node}`;
  return {
    async start(node) {
      await temporal.workflow.start(consoleCaptureWorkflow, {
        workflowId: workflowId(node),
        taskQueue,
        args: [{ node }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        staticSummary: `serial console of ${node}`,
      });
    },
    async stop(node) {
      const handle = temporal.workflow.getHandle(workflowId(node));
      // Already ended (the BMC closed it, or it never started): nothing to cancel.
      await handle.cancel().catch(() => undefined);
      await Promise.race([handle.result().catch(() => undefined), sleep(stopWaitMs)]);
    },
  };
}

/**
 * Nodes' serial consoles as the API sees them: logs in PostgreSQL, written by the console
 * activity on the lab's worker. Starting asks the worker and waits until it has opened the
 * console (or says why it could not); stopping ends the capture and deletes the log, as HIL's
 * stop_console and detach_node did. Captures outlive the API: a restarted API reads on.
 */
export class NodeConsoles {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly runner: ConsoleRunner,
    private readonly options: { openWaitMs?: number; pollMs?: number } = {},
  ) {}

  /** Starts capturing (a no-op while a capture runs); a capture that ended is started again, its log kept. */
  async start(node: string): Promise<void> {
    await requestConsoleLog(this.db, node);
    if ((await consoleLogState(this.db, node))?.state === 'running') return;
    await this.runner.start(node);
    const deadline = Date.now() + (this.options.openWaitMs ?? 30_000);
    for (;;) {
      const now = await consoleLogState(this.db, node);
      // Stopped meanwhile, or open: either way the caller's start is done.
      if (!now || now.state === 'running') return;
      if (now.state === 'ended') throw new ConsoleNotCaptured(node, now.endedReason ?? 'it ended');
      if (Date.now() > deadline) throw new ConsoleNotCaptured(node, "the lab's worker did not open it in time");
      await sleep(this.options.pollMs ?? 200);
    }
  }

  /** True while the node's console is captured (or asked for). */
  async has(node: string): Promise<boolean> {
    return (await consoleLogState(this.db, node)) !== null;
  }

  /** The log so far, or null when the node's console is not being captured. */
  log(node: string): Promise<Buffer | null> {
    return readConsoleLog(this.db, node);
  }

  /** Ends the capture and deletes the log; true when there was one. `logGone`: the log went with its node, stop the capture anyway. */
  async stop(node: string, options: { logGone?: boolean } = {}): Promise<boolean> {
    if (!options.logGone && !(await this.has(node))) return false;
    await this.runner.stop(node);
    return deleteConsoleLog(this.db, node);
  }

  /**
   * The log so far, then every byte the console writes from then on (read from PostgreSQL every
   * `pollMs`), until the returned function is called or the capture is stopped (`onGone`).
   */
  async follow(node: string, listener: (bytes: Buffer) => void, onGone: () => void = () => undefined): Promise<() => void> {
    const first = await consoleLogSince(this.db, node, 0);
    if (!first) {
      onGone();
      return () => undefined;
    }
    listener(first.bytes);
    let seen = first.total;
    let closed = false;
    void (async () => {
      while (!closed) {
        await sleep(this.options.pollMs ?? 200);
        if (closed) return;
        const next = await consoleLogSince(this.db, node, seen).catch(() => ({ total: seen, bytes: Buffer.alloc(0) }));
        if (closed) return;
        if (!next) return onGone();
        if (next.total > seen && next.bytes.length > 0) listener(next.bytes);
        seen = next.total;
      }
    })();
    return () => {
      closed = true;
    };
  }
}
