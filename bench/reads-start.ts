// Reads against a running `npm start`: books --bookings one-host bookings through POST /v1/bookings
// (future windows, so they wait as real workflows without touching a device), freezes the worker
// (SIGSTOP: no worker can answer anything), then reads with autocannon: GET /v1/bookings/:id at
// 200 req/s and GET /v1/bookings filtered and paged at 100 req/s. The worker is resumed, and every
// booking's state in the read model (the API) is compared with Temporal's (a query to the
// workflow). At the end the bookings are released (--keep leaves them).
//
// autocannon keeps a rate by letting each connection send its share of a second's requests back to
// back, then wait for the next second: every second begins with one request in flight per
// connection at once. So --connections is the size of that burst, and the latency percentiles grow
// with it (RESULTS.md gives 10 and 50).
//
// --as says whose token reads (the bookings are always made by the administrator's):
//   admin      LAAS_API_TOKEN, the development administrator (no token lookup at all);
//   dashboard  a dashboard's token acting for each booking's owner (X-On-Behalf-Of), as a dashboard
//              polls for its users: the users u0..u49 and projects p0..p9 are created for it;
//   user       a user's token, a member of all ten projects (as the lab console reads).
// The last two need the API's database (DATABASE_URL) to make the tokens and users.
//
// --floor first measures the same requests against a bare Node HTTP server in a process of its own
// that answers every request with one booking's JSON (the same size): no routing, no
// authentication, no cache. What it measures is autocannon's burst on this machine, the least any
// server here could show; read the API's percentiles against it.
//
// Usage, in one terminal (a database and a Temporal file of its own keep the lab clean):
//   LAAS_DATA_DIR=/tmp/laas-reads DATABASE_URL=postgres://postgres@127.0.0.1:5432/laas_reads npm start
// and in another:
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/laas_reads npx tsx bench/reads-start.ts [--as admin,dashboard,user] [--floor]
//     [--bookings 1000] [--seconds 20] [--connections 10[,50...]] [--settle 15] [--warmup 5] [--api http://127.0.0.1:8080]
// (each reader and each connection count in turn, on the same bookings)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { Client, Connection } from '@temporalio/client';
import { dataConverterFromEnv } from '../config/payload-codec';
import { bookingStatusQuery, bookingWorkflowId } from '../workflows/definitions';
import { load, machine, option } from './lib/setup';
import { freePort } from '../scripts/lib/dev-server';
import { connect } from '../db/connection';
import { createDashboardToken, createUserToken } from '../db/api-tokens';
import { createProject } from '../db/projects';
import { addUserToProject, createUser } from '../db/users';

const api = option('api', process.env.LAAS_API_URL ?? 'http://127.0.0.1:8080');
const token = process.env.LAAS_API_TOKEN ?? 'laas-dev-token-change-me';
const total = Number(option('bookings', '1000'));
const seconds = Number(option('seconds', '20'));
const connectionCounts = option('connections', '10').split(',').map(Number);
const readers = option('as', 'admin').split(',') as Reader[];
type Reader = 'admin' | 'dashboard' | 'user';
const settleMs = Number(option('settle', '15')) * 1000;
const warmupSeconds = Number(option('warmup', '5'));
const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const HOSTS = ['sim-01', 'sim-02', 'sim-03', 'sim-04'];
const run = `r${Date.now().toString(36)}`;

/** Booking i: one host, a one-hour window of its own on that host, starting tomorrow. */
function body(i: number, base: number) {
  const start = base + Math.floor(i / HOSTS.length) * 2 * 3_600_000;
  return {
    id: `${run}-${String(i).padStart(4, '0')}`,
    project: `p${i % 10}`,
    owner: `u${i % 50}`,
    start: new Date(start).toISOString(),
    end: new Date(start + 3_600_000).toISOString(),
    networks: [{ name: 'public', public: true }],
    hosts: [{ name: HOSTS[i % HOSTS.length], image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public' }] } }],
  };
}

async function book(): Promise<string[]> {
  const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 24 * 3_600_000;
  const ids: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const b = body(next++, base);
      const res = await fetch(`${api}/v1/bookings`, { method: 'POST', headers: auth, body: JSON.stringify(b) });
      if (res.status >= 300) throw new Error(`POST ${b.id}: ${res.status} ${await res.text()}`);
      ids.push(b.id);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return ids.sort();
}

function workerPid(): number {
  const out = execFileSync('pgrep', ['-f', 'workers/main.ts'], { encoding: 'utf8' }).trim().split('\n').map(Number);
  if (out.length !== 1 || !out[0]) throw new Error(`expected one worker process (workers/main.ts), found ${out.length}`);
  return out[0];
}

const refused: string[] = [];

/** The API's cache lookups so far (`/metrics`), as "booking miss", "list hit", "token hit"...: what a run's reads found kept. */
async function cacheLookups(): Promise<Record<string, number>> {
  const text = await (await fetch(`${api}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^laas_api_(?:booking_read|token)_cache_lookups_total\{kind="(\w+)",result="(\w+)"\} (\d+)$/gm)) counts[`${m[1]} ${m[2]}`] = Number(m[3]);
  return counts;
}

/** A bare HTTP server in its own process answering `body` to everything: the floor of what autocannon measures here. */
async function bareServer(body: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const code = `require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }); s.end(process.env.BODY); }).listen(${port}, '127.0.0.1', () => console.log('up'))`;
  const child = spawn(process.execPath, ['-e', code], { env: { ...process.env, BODY: body }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`the bare server exited (${c})`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/** The floor: the booking read's size, answered with nothing else done, at each connection count. */
async function measureFloor(id: string): Promise<void> {
  const body = await (await fetch(`${api}/v1/bookings/${id}`, { headers: auth })).text();
  const bare = await bareServer(body);
  try {
    for (const connections of connectionCounts) {
      await measure(`[floor: a bare server, ${Buffer.byteLength(body)} bytes] GET /v1/bookings/:id`, connections, 200, {}, { url: bare.url, requests: [{ method: 'GET', path: `/v1/bookings/${id}` }] });
    }
  } finally {
    bare.child.kill();
  }
}

/** Whose headers each reader sends: a dashboard's name the booking's owner per request (`owner`). */
interface ReaderAuth {
  headers: Record<string, string>;
  owner: boolean;
}

/** The readers' tokens, made in the API's database; the users and projects a dashboard and a user need. */
async function readerAuth(reader: Reader, lab: string): Promise<ReaderAuth> {
  if (reader === 'admin') return { headers: auth, owner: false };
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error(`--as ${reader}: set DATABASE_URL to the API's database, to make its token`);
  const db = connect(url, { max: 1 });
  const existing = (err: unknown) => {
    if ((err as { type?: string }).type !== 'DuplicateError') throw err;
  };
  try {
    for (let p = 0; p < 10; p++) await createProject(db, `p${p}`).catch(existing);
    for (let u = 0; u < 50; u++) {
      await createUser(db, `u${u}`, null).catch(existing);
      await addUserToProject(db, `u${u}`, `p${u % 10}`).catch(existing);
    }
    let token: string;
    if (reader === 'dashboard') token = (await createDashboardToken(db, lab, `reads bench ${run}`)).token;
    else {
      await createUser(db, 'bench-reader', null).catch(existing);
      for (let p = 0; p < 10; p++) await addUserToProject(db, 'bench-reader', `p${p}`).catch(existing);
      token = (await createUserToken(db, 'bench-reader', `reads bench ${run}`)).token;
    }
    return { headers: { authorization: `Bearer ${token}` }, owner: reader === 'dashboard' };
  } finally {
    await db.destroy();
  }
}

async function measure(title: string, connections: number, rate: number, headers: Record<string, string>, options: Partial<autocannon.Options>): Promise<void> {
  // A server that has run for a while has compiled its hot paths: the first seconds of a fresh one are not what it answers in.
  if (warmupSeconds > 0) await autocannon({ url: api, connections, duration: warmupSeconds, overallRate: rate, headers, ...options });
  const before = await cacheLookups();
  const r = await autocannon({ url: api, connections, duration: seconds, overallRate: rate, headers, ...options });
  const after = await cacheLookups();
  const lookups = Object.entries(after)
    .map(([k, n]) => [k, n - (before[k] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  // A refused read is fast and would flatter the figures: the run says so and fails.
  if (r.non2xx > 0 || r.errors > 0) refused.push(`${title}, ${connections} connections: ${r.non2xx} non-2xx, ${r.errors} errors`);
  console.log(
    `${title}, ${connections} connections: ${r.requests.average.toFixed(0)} req/s (target ${rate}), p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; ${r.requests.total} requests, non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}${lookups ? `; API caches: ${lookups}` : ''}`,
  );
}

/** Paths of the first five pages of each project's scheduled bookings, 20 a page, read as `as(p)` reads project p (cursors are sealed to their reader's scope). */
async function listPages(as: (project: number) => Record<string, string>): Promise<string[]> {
  const paths: string[] = [];
  for (let p = 0; p < 10; p++) {
    let cursor: string | undefined;
    for (let k = 0; k < 5; k++) {
      const path = `/v1/bookings?project=p${p}&state=scheduled&limit=20${cursor ? `&cursor=${cursor}` : ''}`;
      paths.push(path);
      const res = (await (await fetch(`${api}${path}`, { headers: as(p) })).json()) as { nextCursor?: string | null };
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
  }
  return paths;
}

async function compare(ids: string[]): Promise<void> {
  const { dataConverter } = dataConverterFromEnv(process.env, () => undefined);
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', dataConverter });
  const differ: string[] = [];
  try {
    for (let i = 0; i < ids.length; i += 20) {
      await Promise.all(
        ids.slice(i, i + 20).map(async (id) => {
          const read = ((await (await fetch(`${api}/v1/bookings/${id}`, { headers: auth })).json()) as { state: string }).state;
          const temporal = (await client.workflow.getHandle(bookingWorkflowId(id)).query(bookingStatusQuery)).state;
          if (read !== temporal) differ.push(`${id}: read model ${read}, Temporal ${temporal}`);
        }),
      );
    }
  } finally {
    await connection.close();
  }
  console.log(`read model vs Temporal: ${ids.length - differ.length} of ${ids.length} agree${differ.length ? `; differ: ${differ.slice(0, 10).join('; ')}` : ''}`);
}

async function release(ids: string[]): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < ids.length) await fetch(`${api}/v1/bookings/${ids[next++]}`, { method: 'DELETE', headers: auth });
  };
  await Promise.all(Array.from({ length: 8 }, lane));
}

async function main(): Promise<void> {
  console.log(machine());
  const t0 = Date.now();
  const ids = await book();
  console.log(`${ids.length} bookings made through POST /v1/bookings in ${((Date.now() - t0) / 1000).toFixed(1)} s (run ${run})`);
  const listed = (await (await fetch(`${api}/v1/bookings?limit=1`, { headers: auth })).json()) as { bookings: unknown[] };
  console.log(`the API lists bookings (${listed.bookings.length} on a page of 1); load average ${load()}; reads begin in ${settleMs / 1000} s`);
  // The creations' own work (workflow tasks, read-model writes) ends before the reads begin.
  await new Promise((r) => setTimeout(r, settleMs));
  const pid = workerPid();
  process.kill(pid, 'SIGSTOP');
  console.log(`worker ${pid} stopped (SIGSTOP) for the reads`);
  try {
    if (process.argv.includes('--floor')) await measureFloor(ids[0]!);
    const lab = ((await (await fetch(`${api}/v1/bookings/${ids[0]}`, { headers: auth })).json()) as { lab: string }).lab;
    for (const reader of readers) {
      const who = await readerAuth(reader, lab);
      const as = (i: number) => (who.owner ? { ...who.headers, 'x-on-behalf-of': `u${i % 50}` } : who.headers);
      // Filtered and paged: the first five pages of each project's scheduled bookings, cursors taken from the API beforehand.
      const pages = await listPages(as);
      for (const connections of connectionCounts) {
        let n = 0;
        await measure(`[${reader}] GET /v1/bookings/:id`, connections, 200, who.headers, {
          requests: [{ method: 'GET', setupRequest: (req) => { const i = n++ % ids.length; return { ...req, path: `/v1/bookings/${ids[i]}`, headers: as(i) }; } }],
        });
        let page = 0;
        // A page of project p is read for its members: a dashboard acts for u<p>.
        await measure(`[${reader}] GET /v1/bookings?project=…&state=scheduled&limit=20[&cursor=…] (${pages.length} pages in turn)`, connections, 100, who.headers, {
          requests: [{ method: 'GET', setupRequest: (req) => { const path = pages[page++ % pages.length]!; return { ...req, path, headers: as(Number(/project=p(\d)/.exec(path)![1])) }; } }],
        });
        await measure(`[${reader}] GET /v1/bookings?limit=50 (newest first)`, connections, 100, who.headers, { requests: [{ method: 'GET', path: '/v1/bookings?limit=50', headers: as(0) }] });
      }
    }
  } finally {
    process.kill(pid, 'SIGCONT');
    console.log(`worker ${pid} resumed; load average ${load()}`);
  }
  await compare(ids);
  if (!process.argv.includes('--keep')) {
    await release(ids);
    console.log('bookings released');
  }
  if (refused.length > 0) {
    console.error(`some reads were refused, so their figures do not count:\n  ${refused.join('\n  ')}`);
    process.exitCode = 1;
  }
}

await main();
