/**
 * Every served route (/v1, /v0, /healthz, /codec…) fed generated requests, fast-check's way:
 * hostile path parameters, queries, headers, Basic credentials and JSON bodies derived from the
 * routes and the fields their schemas use. No answer is a 5xx, every refusal has the API's error
 * shape, a refused request leaves no row in PostgreSQL and starts or signals no workflow, and
 * every mutating request has exactly one completed audit row.
 */
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { servedRoutes } from '../../api/server';
import { createTempDatabase, type TempDatabase } from '../db/helpers/temp-database';
import { API_ADMIN_TOKEN, buildApiApp, HIL_ADMIN_PASSWORD } from '../db/helpers/api-app';
import { requestsFor, type FuzzRequest } from './fuzz-requests';

const RUNS_PER_ROUTE = Number(process.env.LAAS_FUZZ_RUNS ?? 0);
const TOTAL = 2_100;

let t: TempDatabase;
let api: FastifyInstance;
let connection: Connection;
let aliceToken = '';
/** Calls that would start, signal, update, cancel or end a workflow, as they happen. */
const workflowChanges: string[] = [];

beforeAll(async () => {
  t = await createTempDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  const temporal = new Client({ connection, namespace: 'default' });
  const service = temporal.workflowService as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['startWorkflowExecution', 'signalWithStartWorkflowExecution', 'executeMultiOperation', 'signalWorkflowExecution', 'updateWorkflowExecution', 'requestCancelWorkflowExecution', 'terminateWorkflowExecution', 'resetWorkflowExecution']) {
    const real = service[method]!.bind(service);
    service[method] = (...args: unknown[]) => {
      workflowChanges.push(method);
      return real(...args);
    };
  }
  ({ api, aliceToken } = await buildApiApp(t, temporal));
  await countChanges();
});
afterAll(async () => {
  await api?.close();
  await connection?.close();
  await t?.drop();
});

/**
 * A counter of row changes in every table but the audit (which records refusals too), kept by
 * row triggers in the throwaway database: one cheap read tells whether a request changed a row.
 */
async function countChanges(): Promise<void> {
  await sql`CREATE TABLE fuzz_changes (n bigint NOT NULL)`.execute(t.db);
  await sql`INSERT INTO fuzz_changes VALUES (0)`.execute(t.db);
  await sql`CREATE FUNCTION fuzz_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE fuzz_changes SET n = n + 1; RETURN NULL; END $$`.execute(t.db);
  const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('api_audit', 'fuzz_changes') AND table_name NOT LIKE 'kysely_%'`.execute(t.db);
  for (const { name } of tables.rows) {
    await sql.raw(`CREATE TRIGGER fuzz_count AFTER INSERT OR DELETE ON "${name}" FOR EACH ROW EXECUTE FUNCTION fuzz_count()`).execute(t.db);
    // A token's last use is bookkeeping of the authentication, not a change the request made.
    await sql.raw(`CREATE TRIGGER fuzz_count_update AFTER UPDATE ON "${name}" FOR EACH ROW WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at')) EXECUTE FUNCTION fuzz_count()`).execute(t.db);
  }
}

const auditRows = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM api_audit WHERE outcome <> 'pending'`.execute(t.db)).rows[0]!.n);
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const FRAMEWORK_REFUSALS = new Set(['the path is not a valid URL', 'a path parameter is too long']);

async function snapshot(): Promise<string> {
  const row = await sql<{ n: string }>`SELECT n FROM fuzz_changes`.execute(t.db);
  return row.rows[0]!.n;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isErrorShape(path: string, body: unknown): boolean {
  const b = body as { error?: { type?: unknown; message?: unknown }; type?: unknown; msg?: unknown };
  // HIL's clients read {type, msg} under /v0; everything else answers {error: {type, message}}.
  if (path.startsWith('/v0')) return typeof b?.type === 'string' && typeof b.msg === 'string';
  return typeof b?.error?.type === 'string' && typeof b.error.message === 'string';
}

describe('fuzzing every route', () => {
  it(`${TOTAL} or more generated requests: no 5xx, one error shape, refusals leave nothing behind`, async () => {
    const routes = servedRoutes(api).filter((r) => !r.startsWith('OPTIONS'));
    expect(routes.length).toBeGreaterThan(30);
    const perRoute = RUNS_PER_ROUTE || Math.ceil(TOTAL / routes.length);
    const tokens = { admin: API_ADMIN_TOKEN, alice: aliceToken, hilPassword: HIL_ADMIN_PASSWORD };
    const failures: string[] = [];
    let sent = 0;
    const statuses = new Map<number, number>();
    const slowest: [number, string][] = [];
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(requestsFor(route, tokens), async (req: FuzzRequest) => {
          const before = await snapshot();
          const changesBefore = workflowChanges.length;
          const auditedBefore = MUTATING.has(req.method) ? await auditRows() : 0;
          const began = Date.now();
          const res = await api.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload !== undefined ? { payload: req.payload } : {}) });
          sent++;
          slowest.push([Date.now() - began, `${req.method} ${req.url.slice(0, 80)} → ${res.statusCode}`]);
          slowest.sort((a, b) => b[0] - a[0]).splice(5);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const what = `${route}: ${req.method} ${req.url} ${JSON.stringify(req.headers)} ${req.payload ?? ''} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          if (res.statusCode >= 500) failures.push(what);
          // Every change and every refused attempt at one that reached a route: exactly one completed audit row.
          // (A URL the router cannot read, or a parameter past its length, is refused before any route.)
          const answer = parseJson(res.body) as { error?: { message?: string }; msg?: string } | null;
          const routed = !FRAMEWORK_REFUSALS.has(answer?.error?.message ?? answer?.msg ?? '');
          if (MUTATING.has(req.method) && routed && (await auditRows()) !== auditedBefore + 1) failures.push(`not audited once: ${what}`);
          if (res.statusCode >= 400) {
            const path = req.url.split('?')[0]!;
            let parsed: unknown = null;
            try {
              parsed = res.json();
            } catch {
              failures.push(`not JSON: ${what}`);
            }
            if (parsed !== null && !isErrorShape(path, parsed)) failures.push(`error shape: ${what}`);
            if ((await snapshot()) !== before) failures.push(`refused but changed the database: ${what}`);
            if (workflowChanges.length !== changesBefore) failures.push(`refused but touched a workflow (${workflowChanges.slice(changesBefore).join(', ')}): ${what}`);
          }
          return true;
        }),
        { numRuns: perRoute, seed: Number(process.env.LAAS_FUZZ_SEED ?? 20261205) },
      );
    }
    console.log(`fuzz: slowest ${JSON.stringify(slowest)}`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(2_000);
    console.log(`fuzz: ${sent} requests over ${routes.length} routes; statuses ${JSON.stringify(Object.fromEntries(statuses))}; slowest ${JSON.stringify(slowest)}`);
  }, 360_000);
});
