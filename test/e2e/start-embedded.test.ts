import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testPort } from '../helpers/ports';
import { startBanner } from '../helpers/product';
import { answers } from '../../scripts/lib/database-choice';

// `npm start` on a machine where nothing answers at the default PostgreSQL address and
// DATABASE_URL is unset: it runs its own cluster under the data directory. The machine's own
// server stays up; the default address is pointed at a closed port instead.
const root = join(import.meta.dirname, '..', '..');
const token = 'e2e-embedded-token-0123456789abcdef';
const dataDir = mkdtempSync(join(tmpdir(), 'laas-e2e-embedded-'));
// As root the cluster runs as the postgres user, which must reach the directory.
chmodSync(dataDir, 0o755);
let product: ChildProcess | undefined;

afterAll(async () => {
  if (product?.pid && product.exitCode === null) {
    try {
      process.kill(-product.pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 10_000));
      process.kill(-product.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, output: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not seen within ${timeoutMs} ms\n${output().slice(-3000)}`);
}

describe('npm start without a PostgreSQL server', () => {
  it('runs an embedded cluster under the data directory: a booking goes active and is released; Ctrl-C stops the cluster last', async () => {
    const temporalPort = await testPort({ ui: true });
    const apiPort = await testPort();
    const closedPort = await testPort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LAAS_DEFAULT_DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/laas`,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      LAAS_API_PORT: String(apiPort),
      LAAS_API_TOKEN: token,
      LAAS_DATA_DIR: dataDir,
      LAAS_SIM_LATENCY_MS: '20',
    };
    delete env.DATABASE_URL;
    let output = '';
    // The real command: set-up (no Debian packages) and start.
    product = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    product.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    product.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const seen = () => output;

    await startBanner(product, () => output, 180_000);
    const { port, password } = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8')) as { port: number; password: string };
    expect(port).not.toBe(5432);
    expect(output).toContain(`database     postgres://postgres:***@127.0.0.1:${port}/laas  (embedded PostgreSQL`);
    expect(output).not.toContain(password);
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);

    const api = `http://127.0.0.1:${apiPort}`;
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const body = {
      id: 'embedded-1',
      project: 'demo',
      owner: 'alice',
      end: new Date(Date.now() + 2 * 3_600_000).toISOString(),
      networks: [{ name: 'public', public: true }],
      hosts: [{ flavor: 'sim.small', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public', tagged: false }] } }],
      access: { sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop'] },
    };
    const created = await fetch(`${api}/v1/bookings`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
    expect([201, 202]).toContain(created.status);
    const state = async () => ((await (await fetch(`${api}/v1/bookings/embedded-1`, { headers: auth })).json()) as { state: string }).state;
    await until('the booking active', async () => ((await state()) === 'active' ? true : undefined), 90_000, seen);
    expect((await fetch(`${api}/v1/bookings/embedded-1`, { method: 'DELETE', headers: auth })).status).toBe(202);
    await until('the booking released', async () => ((await state()) === 'released' ? true : undefined), 90_000, seen);

    const exited = new Promise<number | null>((resolve) => product!.once('exit', (code) => resolve(code)));
    process.kill(-product.pid!, 'SIGINT');
    await exited;
    await until('the cluster stopped', async () => (!(await answers(`postgres://127.0.0.1:${port}`)) && !existsSync(join(dataDir, 'postgres', 'postmaster.pid')) ? true : undefined), 30_000, seen);
    // 'exit' can come before the last of the output has been read from the pipe.
    await until('the stop message', () => Promise.resolve(output.indexOf('stopping...') > 0 ? true : undefined), 10_000, seen);
  }, 360_000);
});
