// (d) Worker memory with up to 2,000 active bookings: leased, every host provisioned, their
// workflows asleep on the lease timer. The worker runs in a process of its own
// (./lib/worker-process) with its workflow cache sized from its heap, so from the point where the
// cache is full its RSS should stay flat: the last line compares the readings at 500 and at the end.
// Usage: npx tsx bench/memory.ts [--bookings 2000] [--window 50] [--settle 15]
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { bookingWorkflow } from '../workflows/booking';
import { bookingWorkflowId } from '../workflows/definitions';
import { benchBooking } from './lib/booking';
import { benchHostName } from './lib/bench-lab';
import { benchServer, bundleToFile, cpuSeconds, load, machine, option, sleep } from './lib/setup';
import { startWorkerChild, type Memory } from './lib/worker-child';

const total = Number(option('bookings', '2000'));
const window = Number(option('window', '50'));
const settleMs = Number(option('settle', '15')) * 1000;
const checkpoints = [...new Set([100, 250, 500, 750, 1000, 1500, total].filter((c) => c <= total))];
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

/** Resident memory of another process (the Temporal server), from /proc. */
function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Number(kb) * 1024 : NaN;
}

async function main(): Promise<void> {
  console.log(machine());
  const [server, bundle] = await Promise.all([benchServer(), bundleToFile()]);
  const taskQueue = 'bench-memory';
  const worker = await startWorkerChild({ address: server.address, taskQueue, bundlePath: bundle.path, hosts: total });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  console.log(`worker pid ${worker.pid}, maxCachedWorkflows ${worker.maxCachedWorkflows} (each booking is 2 workflows: the booking and its host); ${total} one-host bookings, ${window} provisioning at a time\n`);
  // A settled reading: in-flight work done, the main heap collected. The workflow threads' heaps
  // cannot be collected from here: V8's memory reducer does that once a thread has been idle for
  // 8 s (--gc-memory-reducer-start-delay-ms), as a worker is between bookings, so the reading waits
  // --settle seconds (default 15) for it.
  const settled = async (): Promise<Memory> => {
    await sleep(settleMs);
    return worker.memory();
  };
  const readings: { active: number; m: Memory }[] = [];
  try {
    readings.push({ active: 0, m: await settled() });
    const idle = readings[0]!.m;
    console.log(`idle worker: RSS ${mib(idle.rss)}, main heap used ${mib(idle.heapUsed)}, workflow threads' heap used ${mib(idle.threadHeapUsed)} (${idle.threads} threads); server RSS ${mib(rssOf(server.process.pid!))}`);
    const t0 = Date.now();
    const cpu = () => ({ worker: cpuSeconds(worker.pid), server: cpuSeconds(server.process.pid!) });
    let cpuBefore = cpu();
    let next = 0;
    let failures = 0;
    // The slowest booking of each leg: one stalled booking holds its checkpoint back.
    let slowest = { id: '', ms: 0 };
    for (const checkpoint of checkpoints) {
      const launcher = async () => {
        while (next < checkpoint) {
          const i = next++;
          // Leased for two hours: the workflows sleep on the lease timer for the whole run.
          const input = benchBooking(`mem-${i}`, [benchHostName(i)], `u${i}`, 2 * 3_600_000);
          const active = worker.active(input.id);
          active.catch(() => undefined); // awaited below
          try {
            const started = Date.now();
            await client.workflow.start(bookingWorkflow, { workflowId: bookingWorkflowId(input.id), taskQueue, args: [input] });
            const ms = (await active) - started;
            if (ms > slowest.ms) slowest = { id: input.id, ms };
          } catch (err) {
            failures++;
            console.error(`  ${input.id}: ${(err as Error).message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: window }, launcher));
      const elapsed = (Date.now() - t0) / 1000;
      const cpuNow = cpu();
      const started = checkpoint - (readings[readings.length - 1]?.active ?? 0);
      const cpuLine =
        `CPU per booking to active since the last reading: worker ${((1000 * (cpuNow.worker - cpuBefore.worker)) / started).toFixed(0)} ms, server ${((1000 * (cpuNow.server - cpuBefore.server)) / started).toFixed(0)} ms; ` +
        `slowest booking to active ${slowest.id} in ${(slowest.ms / 1000).toFixed(1)} s`;
      slowest = { id: '', ms: 0 };
      const m = await settled();
      cpuBefore = cpu();
      readings.push({ active: checkpoint, m });
      console.log(
        `${checkpoint} active (${elapsed.toFixed(0)} s, ${(checkpoint / elapsed).toFixed(1)} bookings/s to active, failures ${failures}): ` +
          `RSS ${mib(m.rss)}, main heap used ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, workflow threads' heap used ${mib(m.threadHeapUsed)} of ${mib(m.threadHeapTotal)} (${m.threads} threads), ` +
          `external ${mib(m.external)}; server RSS ${mib(rssOf(server.process.pid!))}; load ${load()}\n  ${cpuLine}`,
      );
    }
    const first = readings.length > 2 ? readings[1]! : readings[0]!;
    const last = readings[readings.length - 1]!;
    const slope = (f: (m: Memory) => number) => (f(last.m) - f(first.m)) / (last.active - first.active);
    console.log(
      `\nper booking, ${first.active}→${last.active} active: RSS +${kib(slope((m) => m.rss))}, workflow heap +${kib(slope((m) => m.threadHeapUsed))}, main heap +${kib(slope((m) => m.heapUsed))}; ` +
        `from idle to ${last.active}: RSS +${kib((last.m.rss - idle.rss) / last.active)}, workflow heap +${kib((last.m.threadHeapUsed - idle.threadHeapUsed) / last.active)}`,
    );
    const at500 = readings.find((r) => r.active === 500);
    if (at500 && last.active > 500) {
      console.log(`RSS at 500 active ${mib(at500.m.rss)}, at ${last.active} ${mib(last.m.rss)}: ${(((last.m.rss - at500.m.rss) / at500.m.rss) * 100).toFixed(1)} % (flat means within 15 %)`);
    }
  } finally {
    await connection.close();
    await worker.stop();
    await server.stop();
    bundle.remove();
  }
}

await main();
