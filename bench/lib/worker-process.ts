// A benchmark worker in a process of its own, so its memory is the worker's alone and the load
// generator's CPU is not its CPU. The parent (./worker-child) talks to it over the IPC channel.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { EventSink } from '../../activities/deps';
import { createWorker } from '../../workers/worker';
import { simLabDeps } from '../../workers/sim-deps';
import { benchLab } from './bench-lab';
import type { ChildMessage, ParentMessage, WorkerChildConfig } from './worker-child';

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerChildConfig;
const send = (m: ChildMessage) => process.send?.(m);

// Activity retries under load are WARN; INFO would flood the bench's output.
Runtime.install({ logger: new DefaultLogger('ERROR') });

// No PostgreSQL: the booking's state changes go to the parent, who waits for them; the rest is dropped.
const events: EventSink = {
  append: (e) => {
    if (e.kind.startsWith('state:')) send({ type: 'state', bookingId: e.bookingId, state: e.kind.slice('state:'.length), at: Date.now() });
    return Promise.resolve();
  },
  leftovers: () => Promise.resolve(),
};

async function main(): Promise<void> {
  const { deps } = simLabDeps(benchLab(config.hosts), events);
  const connection = await NativeConnection.connect({ address: config.address });
  const worker = await createWorker({ connection, namespace: 'default', taskQueue: config.taskQueue, deps, workflowBundle: { codePath: config.bundlePath } });
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'memory') {
      // Only the main isolate can be collected from here; the workflow threads' heaps are read as they are.
      (globalThis as { gc?: () => void }).gc?.();
      const u = process.memoryUsage();
      // The diagnostic report is the one place that shows the heaps of the worker threads, where the workflows live.
      const report = process.report.getReport() as unknown as { workers: { javascriptHeap: { usedMemory: number; totalMemory: number } }[] };
      const threads = report.workers.map((w) => w.javascriptHeap);
      send({
        type: 'memory',
        id: m.id,
        rss: u.rss,
        heapUsed: u.heapUsed,
        heapTotal: u.heapTotal,
        external: u.external,
        arrayBuffers: u.arrayBuffers,
        threadHeapUsed: threads.reduce((sum, h) => sum + h.usedMemory, 0),
        threadHeapTotal: threads.reduce((sum, h) => sum + h.totalMemory, 0),
        threads: threads.length,
      });
    } else if (m.type === 'stop') {
      worker.shutdown();
    }
  });
  send({ type: 'ready', maxCachedWorkflows: worker.options.maxCachedWorkflows });
  await worker.run();
  await connection.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error('bench worker:', err);
  process.exit(1);
});
