/**
 * The OpenAPI document of /v1: valid by a real OpenAPI validator (openapi-spec-validator), the
 * same routes the server answers, every route walked over HTTP and its answers checked against
 * the document's own schemas, and docs/api.md and docs/openapi.json up to date.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildServer, servedRoutes } from '../../api/server';
import type { OpenApiDocument, OpenApiOperation } from '../../api/openapi-document';
import { API_DOC, generatedDocs, OPENAPI_FILE } from '../../scripts/api-docs';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';

const token = `openapi-${randomBytes(12).toString('hex')}`;
const auth = { authorization: `Bearer ${token}` };
const suffix = randomBytes(3).toString('hex');
let env: LabWorker;
let api: FastifyInstance;
let doc: OpenApiDocument;
let dir: string;

beforeAll(async () => {
  env = await startLabWorker();
  api = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: token });
  doc = (await api.inject({ method: 'GET', url: '/v1/openapi.json' })).json<OpenApiDocument>();
  dir = mkdtempSync(join(tmpdir(), 'laas-openapi-'));
});
afterAll(async () => {
  await api?.close();
  await env?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * openapi-spec-validator (Python, on the machine image), one process for all documents (it takes
 * seconds to start): for each, "valid" or its first error.
 */
function validateWithSpecValidator(documents: unknown[]): string[] {
  const files = documents.map((d, i) => {
    const file = join(dir, `doc-${i}.json`);
    writeFileSync(file, JSON.stringify(d));
    return file;
  });
  const script = [
    'import json, sys',
    'from openapi_spec_validator import validate',
    'for path in sys.argv[1:]:',
    '    try:',
    '        validate(json.load(open(path)))',
    '        print(json.dumps("valid"))',
    '    except Exception as e:',
    '        print(json.dumps(str(e).splitlines()[0]))',
  ].join('\n');
  try {
    const out = execFileSync('python3', ['-c', script, ...files], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.trim().split('\n').map((line) => JSON.parse(line) as string);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    if (stderr.includes("No module named 'openapi_spec_validator'")) throw new Error('install the OpenAPI validator: pip install openapi-spec-validator');
    throw err;
  }
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function operations(): { method: string; path: string; op: OpenApiOperation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ method: m.toUpperCase(), path, op: item[m]! })));
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 by a real validator, which does refuse a broken one', () => {
    expect(doc.openapi).toBe('3.1.0');
    const broken = structuredClone(doc);
    // A path parameter the operation no longer declares.
    broken.paths['/v1/bookings/{id}']!.get!.parameters = [];
    const [verdict, refusal] = validateWithSpecValidator([doc, broken]);
    expect(verdict).toBe('valid');
    expect(refusal).toMatch(/^Path parameter 'id' for 'get' operation in '\/v1\/bookings\/\{id\}' was not resolved/);
  });

  it('documents exactly the routes the server answers under /v1, each with its schemas', () => {
    const served = servedRoutes(api)
      .filter((r) => r.split(' ')[1]!.startsWith('/v1/'))
      .map((r) => r.replace(/:(\w+)/g, '{$1}'))
      .sort();
    expect(operations().map((o) => `${o.method} ${o.path}`).sort()).toEqual(served);
    for (const { method, path, op } of operations()) {
      const at = `${method} ${path}`;
      expect(op.summary, at).toBeTruthy();
      expect(Object.keys(op.responses).some((s) => s.startsWith('2')), at).toBe(true);
      for (const param of path.match(/\{\w+\}/g) ?? []) {
        expect(op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === param), `${at} declares ${param}`).toBe(true);
      }
      if (op.security?.length !== 0) expect(Object.keys(op.responses), at).toEqual(expect.arrayContaining(['400', '401', '403']));
      for (const [status, response] of Object.entries(op.responses)) expect(response.content?.['application/json']?.schema, `${at} ${status}`).toBeDefined();
      // Bodies are JSON and nothing else.
      if (op.requestBody) expect(Object.keys(op.requestBody.content), at).toEqual(['application/json']);
      if (method === 'POST' && !path.endsWith('/cleanup')) expect(op.requestBody, `${at} has a body`).toBeDefined();
    }
  });

  it('is what docs/api.md and docs/openapi.json show (npx tsx scripts/api-docs.ts)', async () => {
    const { markdown, openapi } = await generatedDocs();
    expect(readFileSync(API_DOC, 'utf8'), 'docs/api.md is stale: run npx tsx scripts/api-docs.ts').toBe(markdown);
    expect(readFileSync(OPENAPI_FILE, 'utf8'), 'docs/openapi.json is stale: run npx tsx scripts/api-docs.ts').toBe(openapi);
    expect(JSON.parse(openapi)).toEqual(doc);
  });
});

describe('every documented route, walked over HTTP', () => {
  const id = `walk-${suffix}`;
  const later = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
  /** A valid request per route. The booking starts in an hour: it holds its allocation and waits, so every route has something to act on. */
  const examples: Record<string, { body?: object; query?: string }> = {
    'GET /v1/openapi.json': {},
    'GET /v1/me': {},
    'POST /v1/bookings': {
      body: {
        id,
        project: `walk-${suffix}`,
        owner: 'alice',
        start: later(1),
        end: later(2),
        networks: [{ name: 'public', public: true }],
        hosts: [{ flavor: 'sim.small', image: 'rocky-9', interfaces: { eno1: [{ network: 'public' }] } }],
      },
    },
    'GET /v1/bookings': { query: `project=walk-${suffix}&limit=5` },
    'GET /v1/bookings/{id}': { query: 'credentials=leave' },
    'GET /v1/bookings/{id}/events': { query: 'after=0' },
    'POST /v1/bookings/{id}/extend': { body: { end: later(3) } },
    'POST /v1/bookings/{id}/retry': { body: { action: 'retry' } },
    'POST /v1/bookings/{id}/cleanup': {},
    'DELETE /v1/bookings/{id}': {},
    'POST /v1/bookings/{id}/vpn-password': { body: {} },
    'POST /v1/bookings/{id}/vpn-password/reset': { body: {} },
    'GET /v1/hosts': {},
    'GET /v1/flavors': {},
    'GET /v1/images': {},
    'GET /v1/availability': { query: `from=${encodeURIComponent(later(1))}&to=${encodeURIComponent(later(5))}&flavor=sim.small` },
    'GET /v1/lab': {},
    'POST /v1/bookings/{id}/hosts/{host}/reimage': { body: { image: 'rocky-9' } },
  };
  // Create first, release last.
  const order = (o: { method: string; path: string }) => (o.method === 'POST' && o.path === '/v1/bookings' ? 0 : o.method === 'DELETE' ? 2 : 1);

  /** Extending is the allocator's business: wait until the booking holds its allocation. */
  async function allocated(bookingId: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await api.inject({ method: 'GET', url: `/v1/bookings/${bookingId}/events`, headers: auth });
      if (res.json<{ events: { kind: string }[] }>().events.some((e) => e.kind === 'allocated')) return;
      if (Date.now() > deadline) throw new Error(`booking ${bookingId} was never allocated: ${res.body}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);

  /** The answer must be one the operation documents, with a body its schema accepts. */
  function expectDocumented(at: string, op: OpenApiOperation, status: number, body: unknown): void {
    expect(Object.keys(op.responses), `${at} answered ${status}: ${JSON.stringify(body)}`).toContain(String(status));
    const schema = op.responses[String(status)]!.content!['application/json']!.schema as object;
    const validate = ajv.compile({ ...schema, components: doc.components });
    expect(validate(body) ? [] : validate.errors, `${at} ${status} body ${JSON.stringify(body)}`).toEqual([]);
  }

  it('answers each route as documented: with a token, without one, and with a bad request', async () => {
    const walked: string[] = [];
    for (const { method, path, op } of operations().sort((a, b) => order(a) - order(b))) {
      const at = `${method} ${path}`;
      const example = examples[at];
      expect(example, `no example request for ${at}: add one to this walk`).toBeDefined();
      const url = `${path.replace('{id}', id).replace('{host}', 'sim-01')}${example!.query ? `?${example!.query}` : ''}`;
      const send = (headers: Record<string, string>, body = example!.body) =>
        api.inject({ method: method as 'GET', url, headers, ...(body ? { payload: body } : {}) });

      if (op.security?.length !== 0) {
        const anonymous = await send({});
        expectDocumented(`${at} without a token`, op, anonymous.statusCode, anonymous.json());
        expect(anonymous.statusCode).toBe(401);
      }
      if (example!.body) {
        const bad = await send(auth, { surprise: true });
        expectDocumented(`${at} with a bad body`, op, bad.statusCode, bad.json());
        expect(bad.statusCode).toBe(400);
      }
      const res = await send(auth);
      expectDocumented(at, op, res.statusCode, res.json());
      walked.push(`${at} ${res.statusCode}`);
      if (order({ method, path }) === 0) await allocated(id);
    }
    // What a booking waiting for its start answers: operators' decisions have nothing to act on.
    expect(walked).toEqual([
      'POST /v1/bookings 201',
      'GET /v1/openapi.json 200',
      'GET /v1/bookings 200',
      'GET /v1/bookings/{id} 200',
      'POST /v1/bookings/{id}/extend 200',
      'POST /v1/bookings/{id}/retry 409',
      'POST /v1/bookings/{id}/cleanup 409',
      'GET /v1/bookings/{id}/events 200',
      'POST /v1/bookings/{id}/vpn-password 409',
      'POST /v1/bookings/{id}/vpn-password/reset 403',
      'GET /v1/hosts 200',
      'GET /v1/flavors 200',
      'GET /v1/images 200',
      'GET /v1/availability 200',
      'GET /v1/lab 200',
      'POST /v1/bookings/{id}/hosts/{host}/reimage 409',
      'GET /v1/me 200',
      'DELETE /v1/bookings/{id} 202',
    ]);
  });
});
