import { afterAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { temporalCli } from '../../scripts/lib/dev-server';
import { testPort } from '../helpers/ports';
import { startBanner } from '../helpers/product';

const root = join(import.meta.dirname, '..', '..');
const token = 'e2e-token-0123456789abcdef';
const dbName = `laas_e2e_${randomBytes(4).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'laas-e2e-'));
let product: ChildProcess | undefined;

afterAll(async () => {
  // A failed run must not leave the dev server, worker or API behind: stop the whole group.
  if (product?.pid && product.exitCode === null) {
    try {
      process.kill(-product.pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 5_000));
      process.kill(-product.pid, 'SIGKILL');
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

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not seen within ${timeoutMs} ms ${last instanceof Error ? `(${last.message})` : ''}`);
}

describe('npm start', () => {
  it('runs the product: a booking over HTTP becomes active, is found by search attribute, and is released; Ctrl-C stops everything', async () => {
    // Temporal's UI listens on its port + 1000: pick a port whose neighbour is free too.
    const temporalPort = await testPort({ ui: true });
    const apiPort = await testPort();
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${dbName}`,
      LAAS_API_PORT: String(apiPort),
      LAAS_API_TOKEN: token,
      LAAS_DATA_DIR: dataDir,
      LAAS_SIM_LATENCY_MS: '20',
      LAAS_WORKER_CACHED_WORKFLOWS: '40',
    };
    let output = '';
    product = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'start.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    product.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    product.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const api = `http://127.0.0.1:${apiPort}`;
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    await startBanner(product, () => output, 90_000);
    expect(output).toContain(`API          ${api}`);
    expect(output).toContain(`Temporal UI  http://127.0.0.1:${temporalPort + 1000}`);
    expect(output).not.toContain(token);

    const body = {
      id: 'e2e-1',
      project: 'demo',
      owner: 'alice',
      end: new Date(Date.now() + 2 * 3_600_000).toISOString(),
      networks: [{ name: 'public', public: true }, { name: 'private' }],
      hosts: [
        { name: 'sim-01', image: 'ubuntu-22.04', hostname: 'alice-pod-1', interfaces: { eno1: [{ network: 'public', tagged: false }], eno2: [{ network: 'private', tagged: true }] } },
        { flavor: 'sim.small', image: 'rocky-9', interfaces: { eno1: [{ network: 'public', tagged: false }] } },
      ],
      access: { sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop'], vpnUsers: ['alice'] },
      headnode: { image: 'headnode-base', networks: ['private'] },
    };
    const created = await fetch(`${api}/v1/bookings`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
    expect(created.status).toBe(201);

    const active = await until(
      'the booking active',
      async () => {
        const b = (await (await fetch(`${api}/v1/bookings/e2e-1`, { headers: auth })).json()) as { state: string; hosts: { steps: { status: string }[] }[] };
        return b.state === 'active' ? b : undefined;
      },
      60_000,
    );
    expect(active.hosts.flatMap((h) => h.steps.map((s) => s.status)).every((s) => s === 'done')).toBe(true);
    // The worker says how many workflows it keeps in memory: the operator's setting.
    expect(output).toContain('up to 40 workflows kept in memory');

    const cli = temporalCli(root);
    const listed = execFileSync(cli, ['workflow', 'list', '--address', env.TEMPORAL_ADDRESS, '--query', 'BookingState="active"'], { encoding: 'utf8' });
    expect(listed).toContain('booking-e2e-1');
    const ui = await fetch(`http://127.0.0.1:${temporalPort + 1000}/namespaces/default/workflows`);
    expect(ui.status).toBe(200);

    expect((await fetch(`${api}/v1/bookings/e2e-1`, { method: 'DELETE', headers: auth })).status).toBe(202);
    await until(
      'the booking released',
      async () => ((await (await fetch(`${api}/v1/bookings/e2e-1`, { headers: auth })).json()) as { state: string }).state === 'released' || undefined,
      60_000,
    );

    const exited = new Promise<number | null>((resolve) => product!.once('exit', (code) => resolve(code)));
    // A terminal's Ctrl-C reaches npm start more than once (the terminal, npm and tsx each pass it
    // on, milliseconds apart): still the orderly stop, not the second Ctrl-C's stop at once.
    const copy = (d: Buffer) => {
      if (!d.toString().includes('laas: stopping...')) return;
      product!.stdout!.off('data', copy);
      product!.kill('SIGINT');
    };
    product.stdout!.on('data', copy);
    product.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).not.toContain('stopping at once');
    await expect(fetch(`${api}/healthz`)).rejects.toThrow();
    expect(() => execFileSync(cli, ['workflow', 'list', '--address', env.TEMPORAL_ADDRESS], { encoding: 'utf8', stdio: 'pipe', timeout: 10_000 })).toThrow();
  });
});
