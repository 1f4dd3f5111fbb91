import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Command } from 'commander';
import { buildServer } from '../../../api/server';
import { run } from '../../../cli/main';
import { CliError, EXIT, type CliContext } from '../../../cli/context';
import { startLabWorker, type LabWorker } from '../../helpers/lab-worker';
import type { SimLabOptions } from '../../../sim/lab/lab';
import { dataConverterFromEnv } from '../../../config/payload-codec';

export const token = 'cli-test-token-0123456789abcdef';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface CliEnv {
  lab: LabWorker;
  api: FastifyInstance;
  /** Where the API listens (LAAS_API_URL). */
  url: string;
  /** Environment for a `laas` child process: the API, Temporal and the database of this test. */
  childEnv: NodeJS.ProcessEnv;
  /** Run `laas` in this process, as `bin/laas.js` would, capturing its output. */
  laas(...argv: string[]): Promise<CliResult>;
  stateOf(id: string): Promise<string>;
  until(id: string, state: string): Promise<void>;
  close(): Promise<void>;
}

/** A context that records what a command prints. */
export function capture(): { ctx: CliContext; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    ctx: { json: (command: Command) => Boolean(command.optsWithGlobals<{ json?: boolean }>().json), out: (l) => out.push(l), err: (l) => err.push(l) },
    out,
    err,
  };
}

/** Run a program built by the test (a family with test peers) with `run`'s exit-code and message rules. */
export async function runProgram(program: Command, argv: string[], ctx: CliContext): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    ctx.err(`laas: ${err.message}`);
    return err.exitCode;
  }
}

/**
 * A worker on the simulated lab, the API from api/server.ts listening on a free loopback port,
 * and the CLI pointed at both (and at the test's Temporal server and database) by environment.
 */
export async function startCliEnv(options: SimLabOptions = {}): Promise<CliEnv> {
  // Payloads encrypted as in production (the development key, as the CLI finds it in its environment).
  const { codec, dataConverter } = dataConverterFromEnv(process.env, () => undefined);
  const lab = await startLabWorker({ ...options, dataConverter });
  const api = await buildServer({ temporal: lab.client, db: lab.database.db, lab: lab.lab, taskQueue: lab.taskQueue, apiToken: token, codec: { codec, uiOrigins: [] } });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const address = api.server.address();
  if (!address || typeof address === 'string') throw new Error('API has no TCP address');
  const url = `http://127.0.0.1:${address.port}`;
  const childEnv: NodeJS.ProcessEnv = {
    LAAS_API_URL: url,
    LAAS_API_TOKEN: token,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    DATABASE_URL: lab.database.url,
  };
  Object.assign(process.env, childEnv);

  const auth = { authorization: `Bearer ${token}` };
  const stateOf = async (id: string) => (await api.inject({ method: 'GET', url: `/v1/bookings/${id}`, headers: auth })).json<{ state: string }>().state;
  return {
    lab,
    api,
    url,
    childEnv,
    async laas(...argv) {
      const { ctx, out, err } = capture();
      const code = await run(argv, ctx);
      return { code, out: out.join('\n'), err: err.join('\n') };
    },
    stateOf,
    async until(id, state) {
      const deadline = Date.now() + 60_000;
      for (let s = await stateOf(id); s !== state; s = await stateOf(id)) {
        if (Date.now() > deadline) throw new Error(`booking ${id} is ${s}, never became ${state}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await api.close();
      await lab.close();
    },
  };
}

/** A booking request of one named host on one public network, as a dashboard would send it. */
export function bookingRequest(id: string, host: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    project: 'demo',
    owner: 'alice',
    end: new Date(Date.now() + 3_600_000).toISOString(),
    networks: [{ name: 'public', public: true }],
    hosts: [{ name: host, image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public', tagged: false }] } }],
    ...extra,
  };
}
