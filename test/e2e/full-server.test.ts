import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { testPort } from '../helpers/ports';
import { createTempDatabase, type TempDatabase } from '../db/helpers/temp-database';
import { SEARCH_ATTRIBUTES } from '../../workflows/definitions';

/**
 * The booking end to end on the production server: Temporal's full server on PostgreSQL (built by
 * scripts/full-temporal.sh), with the worker and the API as the separate processes the Dockerfile
 * runs, configured only through the environment the way docker-compose.yml configures them.
 *
 * Off by default (building the server takes minutes): `bash scripts/full-temporal.sh test` runs it
 * against a server the script starts; `LAAS_FULL_SERVER=1 npx vitest run test/e2e/full-server.test.ts`
 * starts one through the script itself.
 */
const root = join(import.meta.dirname, '..', '..');
const tools = join(root, '.tools', 'bin');
const skipReason =
  process.env.LAAS_FULL_SERVER !== '1'
    ? 'set LAAS_FULL_SERVER=1 or run `bash scripts/full-temporal.sh test`'
    : !existsSync(join(tools, 'server')) || !existsSync(join(tools, 'sql'))
      ? 'the full Temporal server is not built; run `bash scripts/full-temporal.sh install` first'
      : undefined;
if (skipReason) console.warn(`full-server.test.ts skipped: ${skipReason}`);

const namespace = process.env.LAAS_FULL_TEMPORAL_NAMESPACE ?? 'default';
const token = `e2e-${randomBytes(12).toString('hex')}`;
const key = () => `k1:${randomBytes(32).toString('base64')}`;

/** A child process whose output is kept for the failure message and whose pid we stop ourselves. */
interface Running {
  name: string;
  child: ChildProcess;
  output: () => string;
}
const running: Running[] = [];

function launch(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Running {
  let output = '';
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const r = { name, child, output: () => output };
  running.push(r);
  return r;
}

async function stop(r: Running): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => r.child.once('exit', () => resolve()));
  r.child.kill('SIGTERM');
  const timer = setTimeout(() => r.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, watched: Running[] = []): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const dead = watched.find((r) => r.child.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited with ${dead.child.exitCode} while waiting for ${what}:\n${dead.output().slice(-3000)}`);
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const logs = watched.map((r) => `--- ${r.name}:\n${r.output().slice(-2000)}`).join('\n');
  throw new Error(`${what} not seen within ${timeoutMs} ms${last instanceof Error ? ` (${last.message})` : ''}\n${logs}`);
}

/** The booking's start input as stored by the server, then decoded by the API's /codec as the Temporal UI would ask. */
async function expectEncryptedAndDecodable(address: string, workflowId: string, api: string, secret: string): Promise<void> {
  const connection = await Connection.connect({ address });
  let payloads: temporal.api.common.v1.IPayload[];
  try {
    const { history } = await connection.workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId } });
    payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  } finally {
    await connection.close();
  }
  expect(payloads.length).toBeGreaterThan(0);
  const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');
  for (const p of payloads) {
    expect(Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString()).toBe('binary/encrypted');
    expect(Buffer.from(p.data ?? new Uint8Array()).toString('latin1')).not.toContain(secret);
  }
  const asJson = payloads.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])), data: b64(p.data) }));
  const decoded = await fetch(`${api}/codec/decode`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: 'http://127.0.0.1:8233', 'x-namespace': namespace },
    body: JSON.stringify({ payloads: asJson }),
  });
  expect(decoded.status).toBe(200);
  expect(decoded.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
  const { payloads: plain } = (await decoded.json()) as { payloads: { data: string }[] };
  expect(plain.map((p) => Buffer.from(p.data, 'base64').toString()).join('')).toContain(secret);
}

describe.skipIf(skipReason !== undefined)(`full Temporal server on PostgreSQL${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let address = process.env.LAAS_FULL_TEMPORAL_ADDRESS ?? '';
  let database: TempDatabase | undefined;

  beforeAll(async () => {
    if (!address) {
      // No server handed in: start one through the script, as an operator would.
      const server = launch('full-temporal.sh', 'bash', [join(root, 'scripts', 'full-temporal.sh'), 'run'], process.env);
      await until('the full server ready', () => Promise.resolve(server.output().includes('full-temporal: ready') || undefined), 240_000, [server]);
      address = /ready: (\S+),/.exec(server.output())![1]!;
    }
    database = await createTempDatabase();
  }, 300_000);

  afterAll(async () => {
    // The API and worker first, the server (if we started it) last.
    for (const r of [...running].reverse()) await stop(r);
    await database?.drop();
  });

  it('is the PostgreSQL-backed server, with laas search attributes registered', async () => {
    const connection = await Connection.connect({ address });
    try {
      const info = await connection.workflowService.getClusterInfo({});
      expect(info.persistenceStore).toBe('postgres12');
      expect(info.visibilityStore).toBe('postgres12');
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const types = Object.fromEntries(Object.entries(customAttributes ?? {}).map(([name, t]) => [name, temporal.api.enums.v1.IndexedValueType[t]]));
      const expected = { ...SEARCH_ATTRIBUTES, Owner: 'Keyword' };
      for (const [name, type] of Object.entries(expected)) {
        expect(types[name], name).toBe(type === 'Keyword' ? 'INDEXED_VALUE_TYPE_KEYWORD' : 'INDEXED_VALUE_TYPE_KEYWORD_LIST');
      }
    } finally {
      await connection.close();
    }
  });

  it('books hosts over HTTP with the worker and API as separate processes: active, found by search attribute, released', async () => {
    const apiPort = await testPort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      DATABASE_URL: database!.url,
      LAAS_API_HOST: '127.0.0.1',
      LAAS_API_PORT: String(apiPort),
      LAAS_API_TOKEN: token,
      LAAS_CREDENTIAL_KEYS: key(),
      LAAS_PAYLOAD_KEYS: key(),
      LAAS_LAB_FILE: join(root, 'config', 'sim-lab.yaml'),
      LAAS_SIM_LATENCY_MS: '20',
      LAAS_LOG_LEVEL: 'warn',
    };
    const worker = launch('worker', process.execPath, ['--import', 'tsx', join(root, 'workers', 'main.ts')], env);
    const apiProcess = launch('api', process.execPath, ['--import', 'tsx', join(root, 'api', 'main.ts')], env);
    const watched = [worker, apiProcess];
    const api = `http://127.0.0.1:${apiPort}`;
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await until('the API healthy', async () => ((await fetch(`${api}/healthz`)).ok ? true : undefined), 60_000, watched);

    // The server keeps its history across runs: a fresh id per run.
    const id = `full-${randomBytes(4).toString('hex')}`;
    const body = {
      id,
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
    expect(created.status, await created.clone().text()).toBe(201);

    type Booking = { state: string; hosts: { name: string; steps: { status: string }[] }[] };
    const get = async () => (await (await fetch(`${api}/v1/bookings/${id}`, { headers: auth })).json()) as Booking;
    const inState = (state: string) => async () => {
      const b = await get();
      return b.state === state ? b : undefined;
    };
    // The worker bundles its workflows on start-up (tens of seconds on a busy machine) before it polls.
    const active = await until('the booking active', inState('active'), 180_000, watched);
    expect(active.hosts).toHaveLength(2);
    expect(active.hosts.map((h) => h.name)).toContain('sim-01');
    expect(active.hosts.flatMap((h) => h.steps.map((s) => s.status)).every((s) => s === 'done')).toBe(true);

    // The worker container's healthcheck (docker-compose.yml) sees this worker polling its lab's queue.
    await promisify(execFile)(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'worker-healthcheck.ts')], { cwd: root, env, timeout: 60_000 });

    // Users' data reaches the server's PostgreSQL encrypted, and the UI's codec endpoint opens it.
    await expectEncryptedAndDecodable(address, `booking-${id}`, api, body.access.sshKeys[0]!);

    // Operators find it in the UI and CLI through the PostgreSQL visibility store.
    const connection = await Connection.connect({ address });
    try {
      const query = `BookingId = '${id}' AND BookingState = 'active' AND HostNames = 'sim-01' AND Project = 'demo'`;
      const found = await until(
        'the booking by search attribute',
        async () => {
          const { executions } = await connection.workflowService.listWorkflowExecutions({ namespace, query });
          return executions?.length ? executions : undefined;
        },
        30_000,
      );
      expect(found.map((e) => e.execution?.workflowId)).toEqual([`booking-${id}`]);
    } finally {
      await connection.close();
    }

    expect((await fetch(`${api}/v1/bookings/${id}`, { method: 'DELETE', headers: auth })).status).toBe(202);
    const released = await until('the booking released', inState('released'), 60_000, watched);
    expect(released.hosts.flatMap((h) => h.steps.map((s) => s.status)).every((s) => s === 'undone')).toBe(true);
    expect(worker.output() + apiProcess.output()).not.toContain(token);
  });
});
