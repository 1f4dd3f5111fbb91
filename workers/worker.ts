import { type NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities/deps';
import type { Logger } from 'pino';
import { stepLogging } from './logging';
import type { Tracing } from '../config/tracing';
import { stepMetering, type StepMetrics, type VendorOf } from './metrics';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export { taskQueueOf } from '../workflows/definitions';

/** Bundle the workflows once (tests share one bundle across many workers). */
export async function bundleWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error } });
}

/** What one cached workflow holds on the heap, measured with bench/memory.ts (0.55 MiB a booking of two). */
const CACHED_WORKFLOW_BYTES = 0.3 * 2 ** 20;
/**
 * The share of the heap the workflow cache may take: the rest is for activities and their drivers.
 * A sixty-fourth, measured with bench/memory.ts: beyond the workflows that are working, a bigger
 * cache keeps only sleeping leases, and V8 does not give back the heap their evictions leave
 * behind (a sixteenth, 853 workflows, grew the worker 25 % from 500 to 2,000 leases; a
 * sixty-fourth, 3–12 % in three runs).
 */
const CACHE_SHARE = 1 / 64;

/**
 * How many workflows the worker keeps in its cache, from the heap it may use: a 4 GiB heap keeps
 * 213, room for a 200-host booking's parent and hosts at once. A leased booking that sleeps until
 * its lease end need not stay in memory: evicted, it is replayed from its history when its timer or
 * a signal wakes it, so memory stays flat however many bookings are leased. At least 8, so a small
 * heap still runs a booking and its hosts without thrashing. LAAS_WORKER_CACHED_WORKFLOWS overrides it.
 */
export function cacheSizeFromHeap(heapLimitBytes = getHeapStatistics().heap_size_limit): number {
  return Math.max(8, Math.floor((heapLimitBytes * CACHE_SHARE) / CACHED_WORKFLOW_BYTES));
}

/**
 * Activities one worker runs at once. A step mostly waits on a device (imaging waits for the
 * imaging server for minutes, holding its slot), so the SDK's default of 100 would let a worker
 * image only 100 hosts at a time: a 200-host booking would image in two waves. Each waiting
 * activity costs a promise and a timer, so a thousand (a large lab's every host) is cheap.
 */
export const DEFAULT_ACTIVITY_SLOTS = 1000;

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Pre-built bundle; bundled from source when absent. */
  workflowBundle?: WorkflowBundleOption;
  /** Payload encryption (config/payload-codec.ts): the same on every worker and client. */
  dataConverter?: DataConverter;
  /** Workflows kept in the cache; sized from the heap when absent (cacheSizeFromHeap). */
  maxCachedWorkflows?: number;
  /** Activities run at once (DEFAULT_ACTIVITY_SLOTS when absent). */
  maxConcurrentActivities?: number;
  /** Where each step's start, finish, retry and undo is logged (workers/logging.ts). */
  log?: Logger;
  /** Where each device step's duration, failure and retry is counted (workers/metrics.ts). */
  metrics?: { steps: StepMetrics; vendorOf: VendorOf };
  /** OpenTelemetry tracing (workers/tracing.ts), when LAAS_OTEL_ENDPOINT is set. */
  tracing?: Tracing;
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
    maxCachedWorkflows: options.maxCachedWorkflows ?? cacheSizeFromHeap(),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? DEFAULT_ACTIVITY_SLOTS,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.tracing ? { plugins: [options.tracing.plugin] } : {}),
    interceptors: {
      activity: [...(options.log ? [stepLogging(options.log)] : []), ...(options.metrics ? [stepMetering(options.metrics.steps, options.metrics.vendorOf)] : [])],
    },
  });
}
