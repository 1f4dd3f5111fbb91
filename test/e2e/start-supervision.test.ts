import { afterAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testPort } from '../helpers/ports';

// npm start supervises what it started: a worker killed in the middle of a booking is restarted
// and the booking completes; a Temporal dev server killed is noticed (reads answer 503 within
// 5 s) and restarted; a second npm start on the same ports is refused before any banner.
const root = join(import.meta.dirname, '..', '..');
const token = 'e2e-supervision-token-0123456789';
const dbName = `laas_e2e_${randomBytes(4).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'laas-e2e-'));
const started: ChildProcess[] = [];

afterAll(async () => {
  for (const p of started) {
    if (!p.pid || p.exitCode !== null) continue;
    try {
      process.kill(-p.pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 5_000));
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what} not seen within ${timeoutMs} ms ${last instanceof Error ? `(${last.message})` : ''}`);
}

/** The pid of the child of `parent` whose command line contains `pattern` (a process this test started, through npm start). */
function childPid(parent: number, pattern: string): number {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(parent)], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes(pattern));
  if (!line) throw new Error(`no child of ${parent} runs ${pattern}:\n${out}`);
  return Number(line.trim().split(/\s+/)[0]);
}

function npmStart(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'start.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  started.push(child);
  return { child, output: () => output };
}

describe('npm start supervises', () => {
  it('restarts a killed worker (the booking completes), notices a killed Temporal (503 within 5 s, then restarted), refuses busy ports', async () => {
    const temporalPort = await testPort({ ui: true });
    const apiPort = await testPort();
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${dbName}`,
      LAAS_API_PORT: String(apiPort),
      LAAS_API_TOKEN: token,
      LAAS_DATA_DIR: dataDir,
      // Imaging takes 6 × this: long enough to kill the worker in the middle of it.
      LAAS_SIM_LATENCY_MS: '2000',
    };
    const product = npmStart(env);
    const api = `http://127.0.0.1:${apiPort}`;
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await until('the start banner', () => Promise.resolve(product.output().includes('Ctrl-C stops everything') ? true : undefined), 120_000);

    // A second npm start on the same ports: refused, naming them, before any banner.
    const second = npmStart(env);
    const code = await new Promise<number | null>((resolve) => second.child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(second.output()).toContain(`already in use: Temporal port 127.0.0.1:${temporalPort}`);
    expect(second.output()).not.toContain('Ctrl-C stops everything');

    const body = {
      id: 'sup-1',
      project: 'demo',
      owner: 'alice',
      end: new Date(Date.now() + 2 * 3_600_000).toISOString(),
      networks: [{ name: 'public', public: true }],
      hosts: [{ name: 'sim-01', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public', tagged: false }] } }],
    };
    const created = await fetch(`${api}/v1/bookings`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
    expect([201, 202]).toContain(created.status);
    const state = async () => ((await (await fetch(`${api}/v1/bookings/sup-1`, { headers: auth })).json()) as { state: string }).state;
    await until('provisioning', async () => ((await state()) === 'provisioning' ? true : undefined), 30_000);
    process.kill(childPid(product.child.pid!, 'workers/main.ts'), 'SIGKILL');
    await until('the worker restarted', () => Promise.resolve(/worker restarted \(pid \d+\)/.test(product.output()) ? true : undefined), 30_000);
    expect(product.output()).toMatch(/worker exited \(SIGKILL\); restarting it in 1 s/);
    // The killed attempt is retried once its heartbeat times out (30 s): the booking completes.
    expect(await until('the booking done', async () => ((s) => (['active', 'failed', 'needs_cleanup'].includes(s) ? s : undefined))(await state()), 240_000, 1_000)).toBe('active');

    process.kill(childPid(product.child.pid!, 'server start-dev'), 'SIGKILL');
    const killedAt = Date.now();
    // A change needs Temporal: refused at once. A release of a released booking is refused 409
    // by the read model, so the probe is the release of the active one.
    const refused = await until('a 503', async () => {
      // A request sent in the moment before the API noticed may wait for Temporal: give up on it and ask again.
      const res = await fetch(`${api}/v1/bookings/sup-1`, { method: 'DELETE', headers: { authorization: auth.authorization }, signal: AbortSignal.timeout(1_500) }).catch(() => undefined);
      return res?.status === 503 ? res : undefined;
    }, 10_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}; npm start said:\n${product.output().slice(-3000)}`);
    });
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(refused.headers.get('retry-after')).toBe('5');
    // The readiness probe says so too, naming Temporal (the dev server is restarted 3 s after its death).
    const notReady = await fetch(`${api}/readyz`, { signal: AbortSignal.timeout(3_000) });
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { checks: { temporal: string } }).checks.temporal).not.toBe('ok');
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe('TemporalUnavailable');
    // Reads come from PostgreSQL: the booking still reads while Temporal is away.
    expect(await state()).toBe('active');
    expect(product.output()).toMatch(/the Temporal dev server exited \(SIGKILL\); restarting it in 3 s/);
    await until('Temporal restarted', () => Promise.resolve(/Temporal dev server restarted/.test(product.output()) ? true : undefined), 90_000);
    expect(await until('reads again', async () => ((await fetch(`${api}/v1/bookings/sup-1`, { headers: auth })).status === 200 ? true : undefined), 60_000)).toBe(true);

    // Stopped twice (the orderly stop is start.test.ts's): the second signal ends npm start at once,
    // and takes its processes along, so no dev server is left holding the port for the next start.
    const processes = ['server start-dev', 'workers/main.ts', 'api/main.ts'].map((p) => childPid(product.child.pid!, p));
    const exited = new Promise<number | null>((resolve) => product.child.once('exit', (c) => resolve(c)));
    product.child.kill('SIGINT');
    product.child.kill('SIGTERM');
    expect(await exited).toBe(130);
    expect(product.output()).toContain('laas: stopping at once');
    // A process killed but not yet reaped by whoever inherited it is a zombie: gone, for this purpose.
    const alive = (pid: number) => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    await until('every process of npm start gone', () => Promise.resolve(processes.some(alive) ? undefined : true), 10_000).catch(() => undefined);
    expect(processes.filter(alive).map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '))).toEqual([]);
  }, 480_000);
});
