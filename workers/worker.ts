import { type NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { fileURLToPath } from 'node:url';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities/deps';
import type { Logger } from 'pino';
import { stepLogging } from './logging';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export { taskQueueOf } from '../workflows/definitions';

/** Bundle the workflows once (tests share one bundle across many workers). */
export async function bundleWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error } });
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Pre-built bundle; bundled from source when absent. */
  workflowBundle?: WorkflowBundleOption;
  /** Payload encryption (config/payload-codec.ts): the same on every worker and client. */
  dataConverter?: DataConverter;
  /** Where each step's start, finish, retry and undo is logged (workers/logging.ts). */
  log?: Logger;
}

/** A worker for one lab's task queue: the booking workflows and the activities on that lab's drivers. */
export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities(options.deps),
    // Imaging percentages reach the API through heartbeats: send them every few seconds, not every minute.
    defaultHeartbeatThrottleInterval: '2s',
    maxHeartbeatThrottleInterval: '5s',
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.log ? { interceptors: { activity: [stepLogging(options.log)] } } : {}),
  });
}
