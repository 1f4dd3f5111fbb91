/**
 * The API server's front door, where no booking workflow is needed: tokens and who may do what
 * (refusals happen before Temporal is asked anything), JSON only, body limits, the audit of
 * every change, and HIL's /v0 mounted beside /v1 with its own authentication.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../api/server';
import type { Lab } from '../../config/lab';
import { createDashboardToken, createUserToken } from '../../db/api-tokens';
import { listAudit } from '../../db/audit';
import { newKeyEntry, parseKeyring } from '../../db/crypto';
import { ensureLab } from '../../db/labs';
import { createProject } from '../../db/projects';
import { addUserToProject, createUser } from '../../db/users';
import { basic } from './helpers/hil-app';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

const ADMIN_TOKEN = 'api-server-admin-token-0123456789';
const ADMIN_PASSWORD = 'admin-pw-3141592653';
const BMC_PASSWORD = 'Bmc-Secret-271828';

let t: TempDatabase;
let api: FastifyInstance;
const tokens: Record<string, string> = {};

/** Any call to Temporal fails the test loudly: every refusal here must come first. */
const noTemporal = new Proxy({}, { get: (_t, key) => { throw new Error(`Temporal was asked for ${String(key)}`); } }) as Client;

beforeAll(async () => {
  t = await createTempDatabase();
  await ensureLab(t.db, 'sim');
  await ensureLab(t.db, 'elsewhere');
  for (const p of ['demo', 'other']) await createProject(t.db, p);
  for (const u of ['alice', 'bob', 'loner']) await createUser(t.db, u, null);
  await addUserToProject(t.db, 'alice', 'demo');
  await addUserToProject(t.db, 'bob', 'other');
  tokens.alice = (await createUserToken(t.db, 'alice')).token;
  tokens.loner = (await createUserToken(t.db, 'loner')).token;
  tokens.dashboard = (await createDashboardToken(t.db, 'sim', 'dash')).token;
  tokens.elsewhere = (await createDashboardToken(t.db, 'elsewhere')).token;
  api = await buildServer({
    temporal: noTemporal,
    db: t.db,
    lab: { name: 'sim', hosts: [], images: [], maxLeaseHours: 24 } as unknown as Lab,
    taskQueue: 'unused',
    apiToken: ADMIN_TOKEN,
    hil: { keyring: parseKeyring(newKeyEntry('k1')), adminPassword: ADMIN_PASSWORD },
  });
});
afterAll(async () => {
  await api?.close();
  await t?.drop();
});

const bearer = (who: string) => ({ authorization: `Bearer ${tokens[who] ?? who}` });
const booking = (project: string, owner: string) => ({ project, owner, end: new Date(Date.now() + 3_600_000).toISOString(), hosts: [{ name: 'sim-01', image: 'x', interfaces: { eno1: [{ network: 'public' }] } }] });

async function call(method: string, url: string, headers: Record<string, string>, payload?: unknown) {
  const res = await api.inject({ method: method as 'POST', url, headers, ...(payload === undefined ? {} : typeof payload === 'string' ? { payload } : { payload: payload as object }) });
  return { status: res.statusCode, body: res.json<{ error: { type: string; message: string } }>() };
}

describe('the booking API front door', () => {
  it('wants a known bearer token everywhere but the OpenAPI document', async () => {
    expect(await call('GET', '/v1/bookings', {})).toEqual({ status: 401, body: { error: { type: 'Unauthenticated', message: 'missing bearer token (Authorization: Bearer <token>)' } } });
    expect(await call('GET', '/v1/bookings/x', bearer('laas_not-a-token'))).toEqual({ status: 401, body: { error: { type: 'Unauthenticated', message: 'bearer token not recognised' } } });
    expect((await api.inject({ method: 'GET', url: '/v1/openapi.json' })).statusCode).toBe(200);
  });

  it('takes JSON bodies only, within each route\'s limit', async () => {
    const text = await call('POST', '/v1/bookings', { ...bearer(ADMIN_TOKEN), 'content-type': 'text/plain' }, 'hello');
    expect(text).toEqual({ status: 415, body: { error: { type: 'UnsupportedMediaType', message: 'the body must be application/json, not text/plain' } } });
    const form = await call('POST', '/v1/bookings/x/extend', { ...bearer(ADMIN_TOKEN), 'content-type': 'application/x-www-form-urlencoded' }, 'end=2030-01-01T00:00:00Z');
    expect(form.status).toBe(415);
    const big = await call('POST', '/v1/bookings/x/extend', { ...bearer(ADMIN_TOKEN), 'content-type': 'application/json' }, JSON.stringify({ end: 'x'.repeat(5000) }));
    expect(big).toEqual({ status: 413, body: { error: { type: 'BodyTooLarge', message: 'the body is larger than this route accepts (4096 bytes)' } } });
    const huge = await call('POST', '/v1/bookings', { ...bearer(ADMIN_TOKEN), 'content-type': 'application/json' }, JSON.stringify({ purpose: 'x'.repeat(300_000) }));
    expect(huge.status).toBe(413);
  });

  it('refuses bookings outside the caller\'s projects, or for someone else, before starting anything', async () => {
    const cases: [string, Record<string, string>, unknown, number, string][] = [
      ['a user outside the project', bearer('alice'), booking('other', 'alice'), 403, 'NotAMember'],
      ['a user booking for another', bearer('alice'), booking('demo', 'bob'), 403, 'OwnerMismatch'],
      ['a dashboard for an unknown owner', bearer('dashboard'), booking('demo', 'mallory'), 403, 'UnknownUser'],
      ['a dashboard for an owner outside the project', bearer('dashboard'), booking('demo', 'bob'), 403, 'NotAMember'],
      ['a dashboard acting for alice, booking for bob', { ...bearer('dashboard'), 'x-on-behalf-of': 'alice' }, booking('demo', 'bob'), 403, 'OwnerMismatch'],
      ['a dashboard acting for nobody known', { ...bearer('dashboard'), 'x-on-behalf-of': 'mallory' }, booking('demo', 'mallory'), 403, 'UnknownUser'],
      ['a dashboard with a malformed user', { ...bearer('dashboard'), 'x-on-behalf-of': 'a b' }, booking('demo', 'alice'), 400, 'InvalidRequest'],
      ['a user acting for another', { ...bearer('alice'), 'x-on-behalf-of': 'bob' }, booking('demo', 'alice'), 403, 'OnBehalfNotAllowed'],
      ["another lab's dashboard", bearer('elsewhere'), booking('demo', 'alice'), 403, 'WrongLab'],
    ];
    for (const [what, headers, payload, status, type] of cases) {
      const res = await call('POST', '/v1/bookings', headers, payload);
      expect([res.status, res.body.error.type], what).toEqual([status, type]);
    }
    expect((await call('POST', '/v1/bookings/x/retry', bearer('alice'), { action: 'retry' })).body.error.type).toBe('OperatorsOnly');
    expect((await call('POST', '/v1/bookings/x/cleanup', bearer('dashboard'))).body.error.type).toBe('OperatorsOnly');
  });

  it('lists nothing for a user without projects, without asking Temporal', async () => {
    const res = await api.inject({ method: 'GET', url: '/v1/bookings?state=active', headers: bearer('loner') });
    expect([res.statusCode, res.json()]).toEqual([200, { bookings: [], nextCursor: null }]);
  });

  it('records every change and attempt, refused ones and anonymous ones included; reads are not recorded', async () => {
    await call('DELETE', '/v1/bookings/audit-me', {});
    await call('POST', '/v1/bookings', bearer('alice'), { ...booking('other', 'alice'), id: 'audit-2' });
    await call('POST', '/v1/bookings', { ...bearer('dashboard'), 'x-on-behalf-of': 'alice' }, { ...booking('other', 'alice'), id: 'audit-3', access: { sshKeys: ['ssh-ed25519 AAAASECRET'] } });
    await api.inject({ method: 'GET', url: '/v1/bookings?owner=audit', headers: bearer('alice') });
    const rows = (await listAudit(t.db, { limit: 3 })).reverse();
    expect(rows.map((r) => [r.actor, r.actor_kind, r.on_behalf_of, r.action, r.subject, r.status, r.outcome, r.error_type])).toEqual([
      ['anonymous', 'anonymous', null, 'booking.release', 'audit-me', 401, 'refused', 'Unauthenticated'],
      ['alice', 'user', null, 'booking.create', 'audit-2', 403, 'refused', 'NotAMember'],
      // The malformed key is refused by the body's validation (400), before membership is asked.
      [expect.stringMatching(/^dashboard#\d+$/), 'dashboard', 'alice', 'booking.create', 'audit-3', 400, 'refused', 'InvalidRequest'],
    ]);
    expect(rows[2]!.detail).toEqual({ project: 'other', owner: 'alice', end: expect.any(String) as string, hosts: 1 });
    expect(JSON.stringify(rows)).not.toContain('SECRET');
    expect(rows[1]!.at).toBeInstanceOf(Date);
  });
});

describe("HIL's /v0 in the same server", () => {
  const admin = { authorization: basic('admin', ADMIN_PASSWORD) };

  it('authenticates itself (Basic and bearer), answers in its own error format, and is audited', async () => {
    const anonymous = await api.inject({ method: 'GET', url: '/v0/projects' });
    expect([anonymous.statusCode, anonymous.json<{ type: string }>().type]).toEqual([401, 'AuthorizationError']);
    expect((await api.inject({ method: 'PUT', url: '/v0/project/hilproj', headers: admin })).statusCode).toBe(200);
    const asBearer = await api.inject({ method: 'GET', url: '/v0/projects', headers: bearer(ADMIN_TOKEN) });
    expect(asBearer.json()).toEqual(expect.arrayContaining(['demo', 'hilproj']));
    // A user's token from `laas tokens create` works on /v0 too, with the user's rights.
    expect((await api.inject({ method: 'GET', url: '/v0/projects', headers: bearer('alice') })).statusCode).toBe(401);
    expect((await api.inject({ method: 'GET', url: '/v0/project/demo/nodes', headers: bearer('alice') })).statusCode).toBe(200);
    const [row] = await listAudit(t.db, { subject: 'hilproj' });
    expect(row).toMatchObject({ actor: 'admin', actor_kind: 'admin', action: 'PUT /v0/project/:project', status: 200, outcome: 'ok' });
  });

  it("refuses power on a node outside the caller's projects before Temporal is asked, and audits the refusal", async () => {
    const obm = { type: 'ipmi', host: '127.0.0.1', user: 'admin', password: BMC_PASSWORD, port: 9 };
    expect((await api.inject({ method: 'PUT', url: '/v0/node/n1', headers: admin, payload: { obm } })).statusCode).toBe(200);
    // n1 is free: administrators only. Power calls otherwise run on the lab's worker (test/api/hil-power.test.ts).
    const power = await api.inject({ method: 'POST', url: '/v0/node/n1/power_on', headers: bearer('alice') });
    expect([power.statusCode, power.json()]).toEqual([401, { type: 'AuthorizationError', msg: 'This operation requires administrator rights.' }]);
    const rows = await listAudit(t.db, { subject: 'n1' });
    expect(rows.map((r) => [r.action, r.outcome])).toEqual([
      ['POST /v0/node/:node/power_on', 'refused'],
      ['PUT /v0/node/:node', 'ok'],
    ]);
    expect(JSON.stringify(rows)).not.toContain(BMC_PASSWORD);
  });
});
