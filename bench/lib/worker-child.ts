import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';

export interface WorkerChildConfig {
  address: string;
  taskQueue: string;
  bundlePath: string;
  /** Hosts of the bench lab (./bench-lab). */
  hosts: number;
}

export interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Heaps of the worker threads (where the SDK runs workflows), used and reserved; not collected first. */
  threadHeapUsed: number;
  threadHeapTotal: number;
  threads: number;
}

export type ParentMessage = { type: 'memory'; id: number } | { type: 'stop' };
export type ChildMessage =
  | { type: 'ready'; maxCachedWorkflows: number }
  | { type: 'state'; bookingId: string; state: string; at: number }
  | ({ type: 'memory'; id: number } & Memory);

export interface WorkerChild {
  pid: number;
  maxCachedWorkflows: number;
  /** Emits `state` (bookingId, state, at) for every booking state change the worker records. */
  states: EventEmitter;
  /** When the worker records the booking `active` (ms since the epoch); rejects if it fails or needs cleanup first. */
  active(bookingId: string): Promise<number>;
  /** The worker's memory, after a collection of its main heap. */
  memory(): Promise<Memory>;
  stop(): Promise<void>;
}

/** Start ./worker-process under tsx and wait until its worker polls. */
export async function startWorkerChild(config: WorkerChildConfig): Promise<WorkerChild> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'worker-process.ts'), [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...(process.env.BENCH_WORKER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROF}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const states = new EventEmitter();
  const awaitingActive = new Map<string, { resolve: (at: number) => void; reject: (err: Error) => void }>();
  states.on('state', (bookingId: string, state: string, at: number) => {
    const waiter = awaitingActive.get(bookingId);
    if (!waiter || !['active', 'failed', 'needs_cleanup'].includes(state)) return;
    awaitingActive.delete(bookingId);
    if (state === 'active') waiter.resolve(at);
    else waiter.reject(new Error(`booking ${bookingId} became ${state}`));
  });
  const waiting = new Map<number, (m: Memory) => void>();
  let nextId = 1;
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  const ready = new Promise<number>((resolve, reject) => {
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') resolve(m.maxCachedWorkflows);
      else if (m.type === 'state') states.emit('state', m.bookingId, m.state, m.at);
      else waiting.get(m.id)?.(m);
    });
    void exited.then((code) => reject(new Error(`bench worker exited with ${code} before it was ready`)));
  });
  const maxCachedWorkflows = await ready;
  return {
    pid: child.pid!,
    maxCachedWorkflows,
    states,
    active: (bookingId) => new Promise<number>((resolve, reject) => awaitingActive.set(bookingId, { resolve, reject })),
    memory: () =>
      new Promise<Memory>((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        child.send({ type: 'memory', id } satisfies ParentMessage);
      }),
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' } satisfies ParentMessage);
      // A worker holding thousands of sleeping workflows may take long to drain; the bench does not need that.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
