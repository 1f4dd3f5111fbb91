// A booking caught by a database outage of minutes (5 by default): PostgreSQL is cut off from the
// worker (a TCP proxy between them, cut while the host's imaging runs) and comes back; the booking
// must become active, then release to no allocation left. Records what happened, for bench/RESULTS.md.
//
//   npx tsx bench/outage.ts [--outage-s 300] [--at imaging|switch]
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadLab } from '../config/load-lab';
import { connect } from '../db/connection';
import { createWorker } from '../workers/worker';
import { databaseEvents, simLabDeps } from '../workers/sim-deps';
import { databaseAllocator, databaseNetworkActions, importLabFile, inventoryOf } from '../workers/inventory-deps';
import { bookingStatusQuery, releaseSignal } from '../workflows/definitions';
import type { BookingStatus } from '../workflows/types';
import { createTempDatabase } from '../test/db/helpers/temp-database';
import { sampleBooking, startBooking } from '../test/helpers/booking';
import { TcpProxy } from '../test/helpers/tcp-proxy';
import { join } from 'node:path';
import { benchServer, bundleToFile, load, machine, option, root, sleep } from './lib/setup';

const simLabFile = join(root, 'config', 'sim-lab.yaml');

const outageMs = Number(option('outage-s', '300')) * 1000;
const at = option('at', 'imaging');
const started = Date.now();
const t = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const log = (line: string) => console.log(`[${t()}] ${line}`);

async function until(status: () => Promise<BookingStatus>, wanted: (s: BookingStatus) => boolean, what: string, timeoutMs: number): Promise<BookingStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status();
    if (wanted(s)) return s;
    if (Date.now() > deadline) throw new Error(`${what}: still ${s.state} ${JSON.stringify(s.hosts[0]?.steps)}`);
    await sleep(250);
  }
}

async function main(): Promise<void> {
  console.log(machine());
  const [server, bundle, database] = await Promise.all([benchServer(), bundleToFile(), createTempDatabase()]);
  const target = new URL(database.url);
  const proxy = await new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) }).start();
  // The worker reaches PostgreSQL only through the proxy; the bench's own reads go direct.
  const workerDb = connect(proxy.url(database.url));
  await importLabFile(database.db, simLabFile);
  const lab = loadLab(simLabFile);
  const { deps } = simLabDeps(lab, databaseEvents(workerDb), {
    imagingMs: 20_000,
    allocator: databaseAllocator(workerDb),
    inventory: inventoryOf(workerDb, lab.name),
    networkActions: databaseNetworkActions(workerDb),
    timing: { imagingPollMs: 200 },
  });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const taskQueue = 'bench-outage';
  const worker = await createWorker({ connection: nativeConnection, namespace: 'default', taskQueue, deps, workflowBundle: { codePath: bundle.path } });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  let outcome = 'did not finish';
  try {
    const input = sampleBooking(['sim-01']);
    const handle = await startBooking(client, taskQueue, input);
    const status = () => handle.query(bookingStatusQuery);
    const step = (s: BookingStatus) => s.hosts[0]?.steps.find((r) => r.step === at);
    // The host's step as the read model has it (the booking's query shows host steps once they end).
    const running = async () => {
      const row = await database.db.selectFrom('booking_host_steps').select('status').where('booking_id', '=', input.id).where('step', '=', at).executeTakeFirst();
      return row?.status === 'running';
    };
    const deadline = Date.now() + 120_000;
    while (!(await running())) {
      if (Date.now() > deadline) throw new Error(`${at} never seen running`);
      await sleep(100);
    }
    await proxy.cut();
    log(`PostgreSQL cut off from the worker during ${at} (load ${load()})`);
    await sleep(outageMs);
    const during = await status();
    await proxy.restore();
    log(`PostgreSQL back after ${outageMs / 1000} s; the booking was ${during.state}, ${at} ${step(during)?.status ?? '?'} (load ${load()})`);
    const back = Date.now();
    const active = await until(status, (s) => ['active', 'failed', 'needs_cleanup'].includes(s.state), 'active', 15 * 60_000);
    log(`booking ${active.state} ${((Date.now() - back) / 1000).toFixed(1)} s after the database came back`);
    for (const r of [...active.hosts[0]!.steps, ...active.bookingSteps]) log(`  ${r.step}: ${r.status}, attempt ${r.attempt ?? '-'}`);
    await handle.signal(releaseSignal, { reason: 'bench' });
    const ended = await handle.result();
    const left = await database.db.selectFrom('host_allocations').select('booking_id').where('booking_id', '=', input.id).execute();
    log(`released: ${ended.state}; allocation rows left ${left.length}`);
    outcome = active.state === 'active' && ended.state === 'released' && left.length === 0 ? 'completed' : `ended ${active.state}/${ended.state}`;
  } finally {
    log(`outcome: ${outcome} (load ${load()})`);
    worker.shutdown();
    await running;
    await nativeConnection.close();
    await connection.close();
    await proxy.stop();
    await workerDb.destroy();
    await database.drop();
    await server.stop();
    bundle.remove();
  }
  if (outcome !== 'completed') process.exitCode = 1;
}

await main();
