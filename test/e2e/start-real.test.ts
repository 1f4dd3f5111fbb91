import { realLabTestsOff } from './real-lab-support/opt-in';
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parse } from 'yaml';
import { testPort } from '../helpers/ports';
import { startBanner } from '../helpers/product';
import { realLabUnavailable } from '../../sim/real-lab-parts/requirements';

// `LAAS_REAL_PEERS=1 npm start`: the product on real peers. A booking over HTTP changes a real
// Open vSwitch, release puts it back, and Ctrl-C leaves no peer and no namespace behind.
const unavailable = realLabTestsOff() || realLabUnavailable();
const root = join(import.meta.dirname, '..', '..');
const token = 'e2e-real-token-0123456789abcdef';
const dbName = `laas_e2e_real_${randomBytes(4).toString('hex')}`;
let product: ChildProcess | undefined;
let dataDir = '';

afterAll(async () => {
  if (unavailable) return;
  // A failed run must not leave the dev server, worker, API or the real peers behind.
  if (product?.pid && product.exitCode === null) {
    try {
      process.kill(-product.pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 10_000));
      process.kill(-product.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, output: () => string): Promise<T> {
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
  throw new Error(`${what} not seen within ${timeoutMs} ms ${last instanceof Error ? `(${last.message})` : ''}\n${output().slice(-3000)}`);
}

interface LabFile {
  switches: { options: { db: string } }[];
  hosts: { name: string; nics: { name: string; port: string }[] }[];
}

describe.skipIf(unavailable !== '')(`LAAS_REAL_PEERS=1 npm start${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('runs the product on real peers: a booking over HTTP sets the real switch, release resets it, Ctrl-C stops every peer', async () => {
    const temporalPort = await testPort({ ui: true });
    const apiPort = await testPort();
    dataDir = mkdtempSync(join(tmpdir(), 'laas-e2e-real-'));
    const env = {
      ...process.env,
      LAAS_REAL_PEERS: '1',
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${dbName}`,
      LAAS_API_PORT: String(apiPort),
      LAAS_API_TOKEN: token,
      LAAS_DATA_DIR: dataDir,
    };
    let output = '';
    product = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'start.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    product.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    product.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const api = `http://127.0.0.1:${apiPort}`;
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const seen = () => output;

    await startBanner(product, () => output, 150_000);
    const labFile = join(dataDir, 'real-lab.yaml');
    expect(output).toContain(`lab "sim" on real peers: sim-01, sim-02, sim-03, sim-04 (description: ${labFile})`);
    const lab = parse(readFileSync(labFile, 'utf8')) as LabFile;
    const portOf = (host: string, nic: string) => lab.hosts.find((h) => h.name === host)!.nics.find((n) => n.name === nic)!.port;
    const vsctl = (...args: string[]) => execFileSync('ovs-vsctl', [`--db=${lab.switches[0]!.options.db}`, ...args], { encoding: 'utf8' }).trim();

    const body = {
      id: 'e2e-real-1',
      project: 'demo',
      owner: 'alice',
      end: new Date(Date.now() + 2 * 3_600_000).toISOString(),
      networks: [{ name: 'public', public: true }, { name: 'private' }],
      hosts: [{ name: 'sim-01', image: 'ubuntu-22.04', hostname: 'alice-pod-1', interfaces: { eno1: [{ network: 'public', tagged: false }], eno2: [{ network: 'private', tagged: true }] } }],
      access: { sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop'], vpnUsers: ['alice'] },
      headnode: { image: 'headnode-base', networks: ['private'] },
    };
    expect((await fetch(`${api}/v1/bookings`, { method: 'POST', headers: auth, body: JSON.stringify(body) })).status).toBe(201);
    type View = { state: string; networks: { name: string; vlan: number }[] };
    const read = async () => (await (await fetch(`${api}/v1/bookings/e2e-real-1`, { headers: auth })).json()) as View;
    const active = await until('the booking active', async () => ((await read()).state === 'active' ? read() : undefined), 150_000, seen);
    const vlan = (n: string) => active.networks.find((x) => x.name === n)!.vlan;
    // The worker's OVS driver changed the real switch, over SSH.
    expect(vsctl('get', 'port', portOf('sim-01', 'eno1'), 'tag')).toBe(String(vlan('public')));
    expect(vsctl('get', 'port', portOf('sim-01', 'eno2'), 'trunks')).toBe(`[${vlan('private')}, 4095]`);

    expect((await fetch(`${api}/v1/bookings/e2e-real-1`, { method: 'DELETE', headers: auth })).status).toBe(202);
    await until('the booking released', async () => ((await read()).state === 'released' ? true : undefined), 120_000, seen);
    expect(vsctl('get', 'port', portOf('sim-01', 'eno1'), 'tag')).toBe('[]');

    const exited = new Promise<number | null>((resolve) => product!.once('exit', (code) => resolve(code)));
    const pid = product.pid!;
    product.kill('SIGINT');
    expect(await exited).toBe(0);
    // Every peer stopped and every namespace the lab made removed; its description goes with it.
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`laas-ovs-${pid}-`);
    expect(existsSync(labFile)).toBe(false);
    expect(() => execFileSync('ovs-vsctl', [`--db=${lab.switches[0]!.options.db}`, '--timeout=2', 'show'], { stdio: 'pipe' })).toThrow();
    // About 40 s alone; the bound is the sum of the waits above, so a slow start under the whole
    // suite's load fails with the product's own output rather than a bare timeout.
  }, 450_000);
});
