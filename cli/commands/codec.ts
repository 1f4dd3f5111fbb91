import type { Command } from 'commander';
import { Client, Connection, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { historyToJSON, JSONToPayload, payloadToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { loadSettings } from '../../config/settings';
import { dataConverterFromEnv } from '../../config/payload-codec';
import { CliError, EXIT, type CliContext } from '../context';

/**
 * `laas history decode`: a booking's Temporal history with its encrypted payloads opened, for an
 * operator holding LAAS_PAYLOAD_KEYS (the Temporal UI and CLI go through the API's codec endpoint).
 */

const GRPC_NOT_FOUND = 5;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A proto3-JSON Payload: `metadata` (with an encoding) and `data`, nothing else. */
function isPayload(node: { [key: string]: Json }): boolean {
  const metadata = node.metadata;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata) || typeof metadata.encoding !== 'string') return false;
  return Object.keys(node).every((k) => k === 'metadata' || k === 'data' || k === 'externalPayloads');
}

/** Every payload of a proto3-JSON document, decoded in place (payloads the codec does not own pass through). */
export async function decodePayloadsIn(node: Json, codec: PayloadCodec): Promise<Json> {
  if (Array.isArray(node)) return Promise.all(node.map((n) => decodePayloadsIn(n, codec)));
  if (node === null || typeof node !== 'object') return node;
  if (isPayload(node)) {
    const [decoded] = await codec.decode([JSONToPayload(node)]);
    return payloadToJSON(decoded!) as Json;
  }
  const entries = await Promise.all(Object.entries(node).map(async ([k, v]) => [k, await decodePayloadsIn(v, codec)] as const));
  return Object.fromEntries(entries);
}

/** A history as proto3 JSON (the format `temporal workflow show -o json` writes), payloads decoded. */
export async function decodeHistory(history: History, codec: PayloadCodec): Promise<{ events: Json[] }> {
  return (await decodePayloadsIn(JSON.parse(historyToJSON(history)) as Json, codec)) as { events: Json[] };
}

/** For people: JSON payloads shown as their values rather than base64. */
function readable(node: Json): Json {
  if (Array.isArray(node)) return node.map(readable);
  if (node === null || typeof node !== 'object') return node;
  if (isPayload(node)) {
    const meta = node.metadata as Record<string, string>;
    const encoding = Buffer.from(meta.encoding!, 'base64').toString('utf8');
    const data = Buffer.from(typeof node.data === 'string' ? node.data : '', 'base64').toString('utf8');
    if (encoding === 'json/plain') return JSON.parse(data) as Json;
    if (encoding === 'binary/null') return null;
    return node;
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, readable(v)]));
}

function eventLine(event: Json): string {
  const e = event as { [key: string]: Json };
  const attributes = Object.keys(e).find((k) => k.endsWith('EventAttributes'));
  const text = (v: Json | undefined) => (typeof v === 'string' ? v : '');
  return `${text(e.eventId)}  ${text(e.eventType)}  ${attributes ? JSON.stringify(readable(e[attributes]!)) : ''}`;
}

interface DecodeOptions {
  workflowId: string;
  runId?: string;
  address?: string;
  namespace?: string;
}

async function historyDecode(options: DecodeOptions, command: Command, ctx: CliContext): Promise<void> {
  const settings = loadSettings();
  const address = options.address ?? settings.TEMPORAL_ADDRESS;
  const namespace = options.namespace ?? settings.TEMPORAL_NAMESPACE;
  const { codec } = dataConverterFromEnv(process.env, (warning) => ctx.err(`laas: ${warning}`));
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 5_000 });
  } catch (err) {
    throw new CliError(`cannot reach Temporal at ${address}: ${(err as Error).message}`, EXIT.unreachable);
  }
  try {
    // A client without the codec: the history comes back exactly as stored, and is decoded here.
    const client = new Client({ connection, namespace });
    let history: History;
    try {
      history = await client.workflow.getHandle(options.workflowId, options.runId).fetchHistory();
    } catch (err) {
      // GetWorkflowExecutionHistory answers a plain gRPC NOT_FOUND, not the SDK's typed error.
      if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && Number(err.code) === GRPC_NOT_FOUND)) throw new CliError(`no workflow ${options.workflowId} in namespace ${namespace}`, EXIT.notFound);
      throw err;
    }
    let decoded: { events: Json[] };
    try {
      decoded = await decodeHistory(history, codec);
    } catch (err) {
      throw new CliError(`cannot decode the history of ${options.workflowId}: ${(err as Error).message}`, EXIT.failed);
    }
    if (ctx.json(command)) ctx.out(JSON.stringify(decoded, null, 2));
    else for (const event of decoded.events) ctx.out(eventLine(event));
  } finally {
    await connection.close();
  }
}

export function register(program: Command, ctx: CliContext): void {
  const history = program.commands.find((c) => c.name() === 'history') ?? program.command('history').description('Temporal histories of bookings');
  history
    .command('decode')
    .description('print a workflow history with its encrypted payloads decoded (needs LAAS_PAYLOAD_KEYS); --json gives a replayable history file')
    .requiredOption('--workflow-id <id>', 'workflow id, e.g. booking-<booking id>')
    .option('--run-id <id>', 'a particular run (default: the latest)')
    .option('--address <host:port>', 'Temporal frontend (default: TEMPORAL_ADDRESS)')
    .option('--namespace <name>', 'Temporal namespace (default: TEMPORAL_NAMESPACE)')
    .action((options: DecodeOptions, command: Command) => historyDecode(options, command, ctx));
}
