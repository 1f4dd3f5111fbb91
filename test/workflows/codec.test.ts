import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { Command } from 'commander';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { dataConverterFromEnv, EncryptionCodec, newPayloadKeyEntry, parsePayloadKeys, type PayloadEncryption } from '../../config/payload-codec';
import { CODEC_PREFIX } from '../../api/routes/codec';
import { register, decodeHistory } from '../../cli/commands/codec';
import { bookingStatusQuery, hostWorkflowId, releaseSignal } from '../../workflows/definitions';
import type { bookingWorkflow } from '../../workflows/booking';
import { temporalCli } from '../../scripts/lib/dev-server';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { codecServer } from '../helpers/codec-server';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';

const run = promisify(execFile);
const token = 'codec-test-token-0123456789';
// What the user sent and must not be readable in Temporal's store: the key's body and a chosen host name.
const keyBody = 'AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u';
const chosenHostname = 'alice-vault-7';

let env: LabWorker;
let encryption: PayloadEncryption;
let rawClient: Client;
let handle: WorkflowHandle<typeof bookingWorkflow>;
let workflowIds: string[];
let api: FastifyInstance;
let codecEndpoint: string;
const savedKeys = process.env.LAAS_PAYLOAD_KEYS;

const currentKey = newPayloadKeyEntry('test-2026');

beforeAll(async () => {
  // The CLI reads the keys from the environment like an operator's shell would.
  process.env.LAAS_PAYLOAD_KEYS = `${currentKey},${newPayloadKeyEntry('test-2025')}`;
  encryption = dataConverterFromEnv();
  env = await startLabWorker({ dataConverter: encryption.dataConverter });
  // Sees Temporal as someone without the key would: the same server, no codec.
  rawClient = new Client({ connection: env.client.connection, namespace: 'default' });
  api = await codecServer({ codec: encryption.codec, apiToken: token, uiOrigins: ['http://127.0.0.1:8233'], namespace: 'default' });
  const address = await api.listen({ host: '127.0.0.1', port: 0 });
  codecEndpoint = `${address}${CODEC_PREFIX}`;
});

afterAll(async () => {
  await api?.close();
  await env?.close();
  if (savedKeys === undefined) delete process.env.LAAS_PAYLOAD_KEYS;
  else process.env.LAAS_PAYLOAD_KEYS = savedKeys;
});

const historyOf = (id: string): Promise<History> => rawClient.workflow.getHandle(id).fetchHistory();

/** Every payload of a proto3-JSON history (search attributes apart: the server must read those). */
function payloadsOf(node: unknown, found: { metadata: Record<string, string> }[] = []): { metadata: Record<string, string> }[] {
  if (Array.isArray(node)) for (const n of node) payloadsOf(n, found);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.metadata && typeof (o.metadata as Record<string, unknown>).encoding === 'string') found.push(o as { metadata: Record<string, string> });
    // A patch marker (workflows/*.ts `patched`) is written by the SDK's core, past the codec: it
    // holds the patch's name only, which the next test checks.
    else if (o.markerName === 'core_patch') return found;
    // A local activity's marker: core writes its bookkeeping (`data`: ids, type, times) past the
    // codec; its `result` is the activity's own payload and goes through it.
    else if (o.markerName === 'core_local_activity') payloadsOf((o.details as Record<string, unknown> | undefined)?.result, found);
    else for (const [k, v] of Object.entries(o)) if (k !== 'searchAttributes') payloadsOf(v, found);
  }
  return found;
}
const b64 = (s: string) => Buffer.from(s).toString('base64');

// The tests run in order: the first books, the others read what it left in Temporal.
describe('payload encryption of a booking', () => {
  it('runs a booking to active and released with a worker and client that encrypt, and its query answers in clear', async () => {
    const input = sampleBooking(['sim-01']);
    input.hosts[0]!.hostname = chosenHostname;
    handle = await startBooking(env.client, env.taskQueue, input);
    workflowIds = [handle.workflowId, hostWorkflowId(input.id, 'sim-01')];
    const active = await waitForState(handle, ['active', 'failed']);
    expect(active.state).toBe('active');
    expect(active.hosts[0]!.hostname).toBe(chosenHostname);
    expect(env.simLab.host('sim-01').hostname).toBe(chosenHostname);
    await handle.signal(releaseSignal, { reason: 'codec test' });
    expect((await handle.result()).state).toBe('released');
  });

  it('stores no SSH key or chosen host name in clear, anywhere in the booking and host histories', async () => {
    for (const id of workflowIds) {
      const history = await historyOf(id);
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
      expect(bytes.length).toBeGreaterThan(1000);
      expect(bytes).not.toContain(keyBody);
      expect(bytes).not.toContain(chosenHostname);
      const payloads = payloadsOf(JSON.parse(historyToJSON(history)));
      expect(payloads.length).toBeGreaterThan(5);
      const markers = history.events?.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch') ?? [];
      for (const m of markers) {
        const data = m.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
        expect(JSON.parse(Buffer.from(data ?? []).toString('utf8'))).toEqual({ id: expect.stringMatching(/^[a-z0-9-]+$/) as string, deprecated: false });
      }
      for (const p of payloads) {
        expect(p.metadata.encoding).toBe(b64('binary/encrypted'));
        expect(p.metadata['encryption-key-id']).toBe(b64('test-2026'));
      }
    }
  });

  it('answers queries in clear to a client with the codec, and only ciphertext to one without', async () => {
    const status = await handle.query(bookingStatusQuery);
    expect(status.hosts[0]!.hostname).toBe(chosenHostname);
    await expect(rawClient.workflow.getHandle(handle.workflowId).query(bookingStatusQuery)).rejects.toThrow('binary/encrypted');
  });

  it('after rotation, the history still decodes under its old key id; a tampered payload from it does not', async () => {
    const rotated = new EncryptionCodec(parsePayloadKeys(`${newPayloadKeyEntry('test-2027')},${currentKey}`));
    const decoded = JSON.stringify(await decodeHistory(await historyOf(workflowIds[1]!), rotated));
    expect(decoded).not.toContain(b64('binary/encrypted'));
    const retired = new EncryptionCodec(parsePayloadKeys(newPayloadKeyEntry('test-2027')));
    await expect(decodeHistory(await historyOf(workflowIds[1]!), retired)).rejects.toThrow('key id "test-2026", which is not in LAAS_PAYLOAD_KEYS');

    const started = (await historyOf(workflowIds[1]!)).events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const data = Buffer.from(started.data!);
    data[data.length - 1] = data[data.length - 1]! ^ 0x01;
    await expect(encryption.codec.decode([{ metadata: started.metadata, data }])).rejects.toThrow('payload under key "test-2026" failed authentication');
  });

  it('decodes the same histories with the key: every payload opens, and the key and host name are in them', async () => {
    const clearData: string[] = [];
    for (const id of workflowIds) {
      for (const p of payloadsOf(await decodeHistory(await historyOf(id), encryption.codec))) {
        expect([b64('json/plain'), b64('binary/null')]).toContain(p.metadata.encoding);
        clearData.push(Buffer.from((p as { data?: string }).data ?? '', 'base64').toString('utf8'));
      }
    }
    expect(clearData.some((d) => d.includes(keyBody))).toBe(true);
    expect(clearData.some((d) => d.includes(chosenHostname))).toBe(true);
  });

  it('`laas history decode` prints the history readable, and --json as a replayable proto3-JSON history', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const program = () => {
      const p = new Command('laas').option('--json').exitOverride();
      register(p, { json: (c) => Boolean(c.optsWithGlobals<{ json?: boolean }>().json), out: (l) => lines.push(l), err: (l) => errors.push(l) });
      return p;
    };
    await program().parseAsync(['history', 'decode', '--workflow-id', workflowIds[1]!, '--address', inject('temporalAddress')], { from: 'user' });
    const text = lines.join('\n');
    expect(text).toContain(keyBody);
    expect(text).toContain(chosenHostname);
    expect(lines[0]).toMatch(/^1 {2}EVENT_TYPE_WORKFLOW_EXECUTION_STARTED /);
    expect(errors).toEqual([]);

    lines.length = 0;
    await program().parseAsync(['--json', 'history', 'decode', '--workflow-id', workflowIds[1]!, '--address', inject('temporalAddress')], { from: 'user' });
    const json = JSON.parse(lines.join('\n')) as { events: unknown[] };
    expect(json.events.length).toBe((await historyOf(workflowIds[1]!)).events!.length);
    // Replays without any key: what to commit under test/histories/.
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, historyFromJSON(json), 'decoded host history');

    await expect(program().parseAsync(['history', 'decode', '--workflow-id', 'booking-nope', '--address', inject('temporalAddress')], { from: 'user' })).rejects.toThrow(
      'no workflow booking-nope in namespace default',
    );
  });

  it('`temporal workflow show` through the API codec endpoint shows clear data; without it, ciphertext', async () => {
    const cli = temporalCli(join(import.meta.dirname, '..', '..'));
    const args = ['workflow', 'show', '--address', inject('temporalAddress'), '--workflow-id', workflowIds[1]!, '--output', 'json'];
    // The token goes through the environment, not the command line (process lists are readable).
    const withCodec = await run(cli, args, { env: { ...process.env, TEMPORAL_CODEC_ENDPOINT: codecEndpoint, TEMPORAL_CODEC_AUTH: `Bearer ${token}` }, maxBuffer: 16 << 20 });
    // `-o json` keeps payloads in proto JSON (base64 data); every one came back from the codec in clear.
    const shown = payloadsOf(JSON.parse(withCodec.stdout));
    expect(shown.length).toBeGreaterThan(5);
    for (const p of shown) expect([b64('json/plain'), b64('binary/null')]).toContain(p.metadata.encoding);
    const clearData = shown.map((p) => Buffer.from((p as { data?: string }).data ?? '', 'base64').toString('utf8')).join('\n');
    expect(clearData).toContain(keyBody);
    expect(clearData).toContain(chosenHostname);

    const without = await run(cli, args, { maxBuffer: 16 << 20 });
    const hidden = payloadsOf(JSON.parse(without.stdout));
    expect(hidden.length).toBe(shown.length);
    for (const p of hidden) expect(p.metadata.encoding).toBe(b64('binary/encrypted'));
  });
});
