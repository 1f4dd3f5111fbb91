// (b) Orchestration overhead: one 20-host booking on simulated devices with latency; wall time from
// start to active over the slowest host's own device time (1.00 is the physical limit).
// Usage: npx tsx bench/overhead.ts [--repeat 2] [--address host:port] [--table] [--history]
// --address runs against a Temporal server already up (the full server of scripts/full-temporal.sh,
// with laas's search attributes) instead of a fresh dev server.
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createWorker } from '../workers/worker';
import { simLabDeps } from '../workers/sim-deps';
import { bookingWorkflow } from '../workflows/booking';
import { bookingStatusQuery, bookingWorkflowId, hostWorkflowId, releaseSignal } from '../workflows/definitions';
import { benchBooking, stateSink, warmUp } from './lib/booking';
import { benchHostName, benchLab } from './lib/bench-lab';
import { bookingLevelTimeMs, deviceTimeMs, IMAGING_POLL_MS, PROFILE, PROFILE_HOSTS } from './lib/latency-profile';
import { benchServer, bundleToFile, load, machine, option } from './lib/setup';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const repeat = Number(option('repeat', '2'));
// --table prints every host's device time, first step start and ready time (ms from the start).
const s = (ms: number) => (ms / 1000).toFixed(2);

async function run(address: string, bundlePath: string, n: number): Promise<void> {
  const input = benchBooking(`overhead-${n}-${Date.now()}`, PROFILE_HOSTS, 'alice');
  const { events, reached } = stateSink(input.id);
  const { deps, simLab } = simLabDeps(benchLab(PROFILE_HOSTS.length + 1), events, { ...PROFILE, timing: { imagingPollMs: IMAGING_POLL_MS } });
  const connection = await NativeConnection.connect({ address });
  const taskQueue = `bench-overhead-${n}`;
  const worker = await createWorker({ connection, namespace: 'default', taskQueue, deps, workflowBundle: { codePath: bundlePath } });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  // A host of its own (the lab's 21st) for the warm-up booking; its operations are not counted.
  await warmUp(client, taskQueue, benchHostName(PROFILE_HOSTS.length));
  const loadBefore = load();

  const active = reached('active');
  const journalFrom = simLab.journal.length;
  const t0 = Date.now();
  const handle = await client.workflow.start(bookingWorkflow, { workflowId: bookingWorkflowId(input.id), taskQueue, args: [input] });
  const wall = (await active) - t0;
  const provisioning = simLab.journal.slice(journalFrom);
  const status = await handle.query(bookingStatusQuery);

  const hosts = PROFILE_HOSTS.map((name) => {
    const steps = status.hosts.find((h) => h.name === name)!.steps;
    const started = Date.parse(steps[0]!.startedAt!) - t0;
    const ready = Date.parse(steps[steps.length - 1]!.finishedAt!) - t0;
    return { name, device: deviceTimeMs(simLab, name, provisioning), started, ready };
  });
  const slowest = hosts.reduce((a, b) => (b.device > a.device ? b : a));
  const bookingLevel = bookingLevelTimeMs(simLab, provisioning);
  // The booking's own steps start once its first host is ready (patch i17-booking-steps-early).
  const floor = Math.max(slowest.device, Math.min(...hosts.map((h) => h.device)) + bookingLevel);
  const lastReady = Math.max(...hosts.map((h) => h.ready));
  const lags = hosts.map((h) => h.ready - h.started - h.device);
  if (process.argv.includes('--table')) {
    console.table(hosts);
    // The slowest host step by step: when each step ran (ms from the start) and the gap before it.
    const steps = status.hosts.find((h) => h.name === slowest.name)!.steps;
    console.log(provisioning.filter((e) => e.target === slowest.name).map((e) => e.at).join(', '));
    console.table(steps.map((x, i) => ({ step: x.step, start: Date.parse(x.startedAt!) - t0, end: Date.parse(x.finishedAt!) - t0, gapBefore: i ? Date.parse(x.startedAt!) - Date.parse(steps[i - 1]!.finishedAt!) : Date.parse(x.startedAt!) - t0 })));
  }
  // --history prints the slowest host's child history and the booking's: each event's time (ms from the start).
  if (process.argv.includes('--history')) {
    for (const workflowId of [hostWorkflowId(input.id, slowest.name), bookingWorkflowId(input.id)]) {
      const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
      console.log(`${workflowId}:`);
      for (const e of events ?? []) {
        const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6) - t0;
        const what = e.activityTaskScheduledEventAttributes?.activityType?.name ?? e.workflowExecutionSignaledEventAttributes?.signalName ?? '';
        if (at <= lastReady + 500) console.log(`  ${String(at).padStart(6)} ${proto.temporal.api.enums.v1.EventType[e.eventType ?? 0]} ${what}`);
      }
    }
  }

  const released = reached('released');
  const releaseAt = Date.now();
  await handle.signal(releaseSignal, { reason: 'bench' });
  await handle.result();
  const teardownWall = (await released) - releaseAt;
  const teardown = simLab.journal.slice(journalFrom + provisioning.length);
  const slowestTeardown = Math.max(...PROFILE_HOSTS.map((h) => deviceTimeMs(simLab, h, teardown)));
  const teardownFloor = slowestTeardown + bookingLevelTimeMs(simLab, teardown);

  console.log(
    [
      `run ${n}: start→active ${s(wall)} s; slowest host ${slowest.name} needs ${s(slowest.device)} s of device time → ratio ${(wall / slowest.device).toFixed(2)}`,
      `  with the booking-level steps that start once the first host is ready (VPN account, headnode: ${s(bookingLevel)} s) the floor is ${s(floor)} s → ratio ${(wall / floor).toFixed(2)}`,
      `  first step of the first host at ${s(Math.min(...hosts.map((h) => h.started)))} s, of the last host at ${s(Math.max(...hosts.map((h) => h.started)))} s; ` +
        `slowest host's first step at ${s(slowest.started)} s, ready at ${s(slowest.ready)} s`,
      `  per host, ready − own first step − device time: median ${s(lags.sort((a, b) => a - b)[10]!)} s, max ${s(lags[lags.length - 1]!)} s; ` +
        `last host ready at ${s(lastReady)} s, active ${s(wall - lastReady)} s later (${provisioning.length} device operations)`,
      `  release→released ${s(teardownWall)} s; teardown floor (slowest host's undos + booking-level undos) ${s(teardownFloor)} s → ratio ${(teardownWall / teardownFloor).toFixed(2)}; residue ${simLab.residue().length}`,
      `  load ${loadBefore} → ${load()}`,
    ].join('\n'),
  );
  worker.shutdown();
  await running;
  await clientConnection.close();
  await connection.close();
}

async function main(): Promise<void> {
  console.log(machine());
  console.log(`profile: ${PROFILE_HOSTS.length} hosts, latency ${PROFILE.latencyMs} ms, imaging ${PROFILE.imagingMs} ms, slower hosts ${JSON.stringify(PROFILE.targetLatencyMs)}, imaging poll ${IMAGING_POLL_MS} ms\n`);
  const external = option('address', '');
  const [server, bundle] = await Promise.all([external ? null : benchServer(), bundleToFile()]);
  console.log(`Temporal: ${external ? `the server at ${external}` : 'a fresh dev server'}\n`);
  try {
    for (let n = 1; n <= repeat; n++) await run(external || server!.address, bundle.path, n);
  } finally {
    bundle.remove();
    await server?.stop();
  }
}

await main();
