// Reads: GET /v1/bookings/:id and GET /v1/bookings (filtered, paged) over 1,000 bookings in the
// read model, with autocannon, against the API server on 127.0.0.1 whose Temporal is unreachable
// (so no worker and no Temporal serve any read). Bounded: --seconds per run (default 10).
// Usage: npx tsx bench/reads.ts [--bookings 1000] [--seconds 10]
import autocannon from 'autocannon';
import { Client, Connection } from '@temporalio/client';
import { buildServer } from '../api/server';
import { recordStep } from '../db/booking-steps';
import { writeBookingSnapshot } from '../db/booking-views';
import { createTempDatabase } from '../test/db/helpers/temp-database';
import { benchLab } from './lib/bench-lab';
import { load, machine, option } from './lib/setup';

const total = Number(option('bookings', '1000'));
const seconds = Number(option('seconds', '10'));
const token = 'bench-reads-admin-token-0123456789';
const STEPS = ['power', 'imaging', 'switch', 'network', 'access'];

async function seed(db: Awaited<ReturnType<typeof createTempDatabase>>['db']): Promise<string[]> {
  const ids: string[] = [];
  const states = ['active', 'active', 'released', 'provisioning'] as const;
  for (let i = 0; i < total; i++) {
    const id = `read-${String(i).padStart(5, '0')}`;
    const hosts = [`h${String((2 * i) % 2000).padStart(4, '0')}`, `h${String((2 * i + 1) % 2000).padStart(4, '0')}`];
    const at = new Date(Date.UTC(2026, 11, 1) + i * 60_000).toISOString();
    await writeBookingSnapshot(db, id, 'run', {
      seq: 1, createdAt: at, lab: 'bench', project: `p${i % 10}`, owner: `u${i % 50}`, state: states[i % states.length]!, start: at, end: at,
      networks: [{ name: 'public', vlan: 100 + (i % 3000) }, { name: 'private', vlan: 101 }],
      hosts: hosts.map((name) => ({ name, hostname: name, image: 'ubuntu-22.04' })),
      bookingSteps: [{ step: 'vpn', status: 'done' }, { step: 'headnode', status: 'done' }],
      credentialsPending: false, leftovers: [],
    });
    for (const host of hosts) for (const step of STEPS) await recordStep(db, { bookingId: id, host, step, status: 'done', startedAt: at, finishedAt: at, attempt: 1, ordinal: 1 });
    ids.push(id);
  }
  return ids;
}

async function run(url: string, rate: number, requests?: autocannon.Request[]): Promise<string> {
  const r = await autocannon({ url, connections: 10, duration: seconds, overallRate: rate, headers: { authorization: `Bearer ${token}` }, ...(requests ? { requests } : {}) });
  return `${r.requests.average.toFixed(0)} req/s (target ${rate}), p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms, non-2xx ${r.non2xx}, errors ${r.errors}`;
}

async function main(): Promise<void> {
  console.log(machine());
  const database = await createTempDatabase({ max: 10 });
  const nowhere = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
  const api = await buildServer({ temporal: nowhere, db: database.db, lab: benchLab(1), taskQueue: 'none', apiToken: token });
  try {
    const ids = await seed(database.db);
    const address = await api.listen({ host: '127.0.0.1', port: 0 });
    console.log(`${ids.length} bookings seeded; load average ${load()}`);
    const byId = ids.map((id) => ({ method: 'GET' as const, path: `/v1/bookings/${id}` }));
    let next = 0;
    const one: autocannon.Request = { method: 'GET', setupRequest: (req) => ({ ...req, path: byId[next++ % byId.length]!.path }) };
    console.log(`GET /v1/bookings/:id  ${await run(address, 200, [one])}`);
    console.log(`GET /v1/bookings?state=active&limit=50  ${await run(`${address}/v1/bookings?state=active&limit=50`, 100)}`);
    console.log(`GET /v1/bookings?project=p3&owner=u13  ${await run(`${address}/v1/bookings?project=p3&owner=u13&limit=20`, 100)}`);
    console.log(`load average after ${load()}`);
  } finally {
    await api.close();
    await database.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
