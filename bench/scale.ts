// Scale: one booking of many hosts (200 by default) on a generated simulated lab with device
// latency: start → active over the physical limit, the history size of the booking and of every
// host child, and the CPU the worker's process spent per host.
// The physical limit is the slowest host's device time, or the quickest host's plus the booking's
// own steps (the VPN accounts and the headnode), which start once the first host is ready, if that
// is later. Two profiles are recorded in RESULTS.md: the quick one (defaults: every
// operation 200 ms, imaging 3 s), where orchestration's CPU is the limit on two cores, and a lab's
// (--latency 1000 --imaging 120000 --imaging-poll 2000: the worker's production poll).
// Usage: npx tsx bench/scale.ts [--hosts 200] [--latency 200] [--imaging 3000] [--imaging-poll 200]
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createWorker } from '../workers/worker';
import { simLabDeps } from '../workers/sim-deps';
import { bookingWorkflow } from '../workflows/booking';
import { bookingWorkflowId, hostWorkflowId, releaseSignal } from '../workflows/definitions';
import { benchBooking, stateSink, warmUp } from './lib/booking';
import { benchHostName, benchLab } from './lib/bench-lab';
import { bookingLevelTimeMs, deviceTimeMs, IMAGING_POLL_MS } from './lib/latency-profile';
import { benchServer, bundleToFile, cpuSeconds, load, machine, option } from './lib/setup';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const hostCount = Number(option('hosts', '200'));
const latencyMs = Number(option('latency', '200'));
const imagingMs = Number(option('imaging', '3000'));
const imagingPollMs = Number(option('imaging-poll', String(IMAGING_POLL_MS)));
const s = (ms: number) => (ms / 1000).toFixed(2);
/** CPU of this process (the worker, the sim lab and the bench's client) in seconds. */
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main(): Promise<void> {
  console.log(machine());
  console.log(`${hostCount} hosts, every device operation ${latencyMs} ms, imaging ${imagingMs} ms, imaging poll ${imagingPollMs} ms`);
  const [server, bundle] = await Promise.all([benchServer(), bundleToFile()]);
  const hosts = Array.from({ length: hostCount }, (_, i) => benchHostName(i));
  const input = benchBooking(`scale-${hostCount}-${Date.now()}`, hosts, 'alice');
  const { events, reached } = stateSink(input.id);
  const { deps, simLab } = simLabDeps(benchLab(hostCount + 1), events, { latencyMs, imagingMs, timing: { imagingPollMs } });
  const connection = await NativeConnection.connect({ address: server.address });
  const taskQueue = 'bench-scale';
  const worker = await createWorker({ connection, namespace: 'default', taskQueue, deps, workflowBundle: { codePath: bundle.path } });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address: server.address });
  const client = new Client({ connection: clientConnection });
  try {
    // A host of its own (the lab's last) for the warm-up booking; its operations are not counted.
    await warmUp(client, taskQueue, benchHostName(hostCount));
    const loadBefore = load();
    const active = reached('active');
    const journalFrom = simLab.journal.length;
    const [cpu0, server0, t0] = [ownCpu(), cpuSeconds(server.process.pid!), Date.now()];
    const handle = await client.workflow.start(bookingWorkflow, { workflowId: bookingWorkflowId(input.id), taskQueue, args: [input] });
    const wall = (await active) - t0;
    const [cpu1, server1] = [ownCpu(), cpuSeconds(server.process.pid!)];
    const provisioning = simLab.journal.slice(journalFrom);
    const device = hosts.map((h) => deviceTimeMs(simLab, h, provisioning));
    const slowest = Math.max(...device);
    const limit = Math.max(slowest, Math.min(...device) + bookingLevelTimeMs(simLab, provisioning));

    const released = reached('released');
    const releaseAt = Date.now();
    await handle.signal(releaseSignal, { reason: 'bench' });
    await handle.result();
    const teardownWall = (await released) - releaseAt;
    const [cpu2, server2] = [ownCpu(), cpuSeconds(server.process.pid!)];

    const count = async (workflowId: string) => ((await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []).length;
    const parent = await count(handle.workflowId);
    const children: number[] = [];
    // A few at a time: 200 histories fetched at once would only queue on the dev server.
    for (let i = 0; i < hosts.length; i += 20) children.push(...(await Promise.all(hosts.slice(i, i + 20).map((h) => count(hostWorkflowId(input.id, h))))));
    const total = parent + children.reduce((a, b) => a + b, 0);

    console.log(
      [
        `start→active ${s(wall)} s; physical limit ${s(limit)} s (the slowest host's device time ${s(slowest)} s, or the quickest host's and the booking's own steps after it) → ratio ${(wall / limit).toFixed(2)}`,
        `release→released ${s(teardownWall)} s; device operations ${provisioning.length} to active, ${simLab.journal.length - journalFrom - provisioning.length} to released; residue ${simLab.residue().length}`,
        `history: booking ${parent} events; host children ${Math.min(...children)}–${Math.max(...children)} each; all together ${total} (${(total / hostCount).toFixed(1)} a host)`,
        `CPU to active: this process (worker, sim lab, client) ${s((cpu1 - cpu0) * 1000)} s = ${((cpu1 - cpu0) * 1000 / hostCount).toFixed(0)} ms a host; dev server ${s((server1 - server0) * 1000)} s`,
        `CPU start to released: this process ${((cpu2 - cpu0) * 1000 / hostCount).toFixed(0)} ms a host; dev server ${((server2 - server0) * 1000 / hostCount).toFixed(0)} ms a host`,
        `load ${loadBefore} → ${load()}`,
      ].join('\n'),
    );
  } finally {
    worker.shutdown();
    await running;
    await clientConnection.close();
    await connection.close();
    await server.stop();
    bundle.remove();
  }
}

await main();
