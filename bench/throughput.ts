// (a) Throughput: full bookings (provisioned to active, then released) per second, one worker,
// simulated devices at zero latency. Usage: npx tsx bench/throughput.ts [--hosts 1,4] [--concurrency 1,4,8] [--seconds 45] [--warmup 10]
import { Client, Connection } from '@temporalio/client';
import { bookingWorkflow } from '../workflows/booking';
import { bookingWorkflowId, releaseSignal } from '../workflows/definitions';
import { benchBooking } from './lib/booking';
import { benchHostName } from './lib/bench-lab';
import { benchServer, bundleToFile, cpuSeconds, load, machine, option, sleep } from './lib/setup';
import { startWorkerChild } from './lib/worker-child';

const hostCounts = option('hosts', '1,4').split(',').map(Number);
const concurrencies = option('concurrency', '1,4,8').split(',').map(Number);
const seconds = Number(option('seconds', '45'));
const warmup = Number(option('warmup', '10'));

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};

/**
 * One point: `lanes` bookings in flight at all times (closed loop). Lane j owns hosts j·k..j·k+k-1
 * and its own VPN user, and books them again as soon as its last booking has closed: every booking
 * starts now, so none waits for a start time, and none competes with another for a host.
 */
async function point(bundlePath: string, hostsPerBooking: number, lanes: number): Promise<string> {
  const server = await benchServer();
  const taskQueue = `bench-tp-${hostsPerBooking}-${lanes}`;
  const worker = await startWorkerChild({ address: server.address, taskQueue, bundlePath, hosts: lanes * hostsPerBooking });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const loadBefore = load();
  const t0 = Date.now();
  const windowStart = t0 + warmup * 1000;
  const windowEnd = windowStart + seconds * 1000;
  const done: number[] = [];
  const toActive: number[] = [];
  const toClosed: number[] = [];
  const lifetimes: number[] = [];
  let failures = 0;
  // CPU used by the worker, the server and this load generator over the window.
  const cpu = () => ({ worker: cpuSeconds(worker.pid), server: cpuSeconds(server.process.pid!), client: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 });
  const cpuAt: ReturnType<typeof cpu>[] = [];
  const snapshots = [windowStart, windowEnd].map((t) => setTimeout(() => cpuAt.push(cpu()), t - Date.now()));

  async function lane(j: number): Promise<void> {
    const hosts = Array.from({ length: hostsPerBooking }, (_, h) => benchHostName(j * hostsPerBooking + h));
    // Lanes start spread over the warm-up, so they do not finish in step and the window's count is not lumpy.
    await sleep((j * warmup * 1000) / lanes);
    for (let n = 0; Date.now() < windowEnd; n++) {
      const input = benchBooking(`tp${hostsPerBooking}x${lanes}-${j}-${n}`, hosts, `lane${j}`);
      const started = Date.now();
      const active = worker.active(input.id);
      active.catch(() => undefined); // seen below; this only keeps an early failure from counting as unhandled
      try {
        const handle = await client.workflow.start(bookingWorkflow, { workflowId: bookingWorkflowId(input.id), taskQueue, args: [input] });
        const activeAt = await active;
        toActive.push(activeAt - started);
        const released = Date.now();
        await handle.signal(releaseSignal, { reason: 'bench' });
        await handle.result();
        const closed = Date.now();
        toClosed.push(closed - released);
        done.push(closed);
        if (closed >= windowStart && closed < windowEnd) lifetimes.push(closed - started);
      } catch (err) {
        failures++;
        console.error(`  ${input.id}: ${(err as Error).message}`);
        // The lane's hosts may still be held: it stops rather than fail again and again.
        return;
      }
    }
  }

  await Promise.all(Array.from({ length: lanes }, (_, j) => lane(j)));
  snapshots.forEach(clearTimeout);
  const counted = done.filter((t) => t >= windowStart && t < windowEnd).length;
  const [c0, c1] = cpuAt as [ReturnType<typeof cpu>, ReturnType<typeof cpu>];
  const perBooking = (k: keyof ReturnType<typeof cpu>) => (1000 * (c1[k] - c0[k])) / counted;
  const cpuPerBooking = perBooking('worker') + perBooking('server') + perBooking('client');
  // Little's law cross-checks the count, which is coarse when a booking lasts a good part of the window.
  const meanLife = lifetimes.reduce((a, b) => a + b, 0) / lifetimes.length;
  const line =
    `${hostsPerBooking}-host × ${lanes} concurrent: ${counted} completed in ${seconds} s → ${(counted / seconds).toFixed(2)} bookings/s (${((counted * hostsPerBooking) / seconds).toFixed(1)} hosts/s); ` +
    `concurrency / mean lifetime ${(meanLife / 1000).toFixed(1)} s → ${((1000 * lanes) / meanLife).toFixed(2)} bookings/s\n` +
    `  start→active median ${quantile(toActive, 0.5)} ms, p95 ${quantile(toActive, 0.95)} ms; release→closed median ${quantile(toClosed, 0.5)} ms; ` +
    `failures ${failures}; load ${loadBefore} → ${load()}\n` +
    `  CPU per completed booking: worker ${perBooking('worker').toFixed(0)} ms, Temporal server ${perBooking('server').toFixed(0)} ms, load generator ${perBooking('client').toFixed(0)} ms ` +
    `→ ${(2000 / cpuPerBooking).toFixed(2)} bookings/s if the three had both cores to themselves`;
  await connection.close();
  await worker.stop();
  await server.stop();
  return line;
}

async function main(): Promise<void> {
  console.log(machine());
  console.log(`window ${seconds} s after ${warmup} s warm-up (lanes start spread over it); every point on a fresh dev server and worker\n`);
  const bundle = await bundleToFile();
  try {
    for (const k of hostCounts) {
      for (const c of concurrencies) console.log(await point(bundle.path, k, c));
    }
  } finally {
    bundle.remove();
  }
}

await main();
