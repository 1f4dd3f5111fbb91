/**
 * The audit cannot be lost: a change made in PostgreSQL commits in one transaction with its audit
 * row (a row that cannot be written rolls the change back); a change that starts a workflow is
 * written ahead of it (refused with 503 and Retry-After when the database cannot take the row, so
 * nothing is started unaudited); every answered change has exactly one row; and bytes PostgreSQL
 * refuses are stored escaped.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { join } from 'node:path';
import { loadLab } from '../../config/load-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../db/connection';
import { auditText, listAudit } from '../../db/audit';
import { TcpProxy } from '../helpers/tcp-proxy';
import { API_ADMIN_TOKEN, buildApiApp, HIL_ADMIN_PASSWORD } from './helpers/api-app';
import { basic } from './helpers/hil-app';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

let t: TempDatabase;
let proxy: TcpProxy;
let viaProxy: ReturnType<typeof connect>;
let api: FastifyInstance;
/** What the API asked of Temporal (each ask throws): empty means no workflow was started. */
const askedTemporal: string[] = [];
const temporal = new Proxy({}, {
  get: (_t, key) => {
    askedTemporal.push(String(key));
    throw new Error(`Temporal was asked for ${String(key)}`);
  },
}) as Client;
const hilAdmin = { authorization: basic('admin', HIL_ADMIN_PASSWORD) };

beforeAll(async () => {
  t = await createTempDatabase();
  const u = new URL(t.url);
  proxy = await new TcpProxy({ host: u.hostname, port: Number(u.port || 5432) }).start();
  // The API reaches PostgreSQL through a proxy the test can cut; the test reads the rows directly.
  viaProxy = connect(proxy.url(t.url), { max: 4 });
  // The simulated lab's description, so that a valid booking gets as far as Temporal.
  ({ api } = await buildApiApp({ ...t, db: viaProxy }, temporal, loadLab(join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml'))));
});
afterAll(async () => {
  await api?.close();
  await viaProxy?.destroy();
  await proxy?.stop();
  await t?.drop();
});

const auditRows = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM api_audit`.execute(t.db)).rows[0]!.n);
const booking = JSON.stringify({
  project: 'demo',
  owner: 'alice',
  end: new Date(Date.now() + 3_600_000).toISOString(),
  networks: [{ name: 'public', public: true }],
  hosts: [{ name: 'sim-01', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public', tagged: false }] } }],
});

describe('the audit of changes', () => {
  it('a create while the database is away is refused with 503 and Retry-After, before anything starts', async () => {
    const before = await auditRows();
    await proxy.cut();
    try {
      // Temporal is a proxy that throws when asked anything: a 503 here means nothing was started.
      const v1 = await api.inject({ method: 'POST', url: '/v1/bookings', headers: { authorization: `Bearer ${API_ADMIN_TOKEN}`, 'content-type': 'application/json' }, payload: booking });
      expect([v1.statusCode, v1.headers['retry-after'], v1.json()]).toEqual([503, '5', { error: { type: 'DatabaseUnavailable', message: expect.stringContaining('nothing was changed') as string } }]);
      const v0 = await api.inject({ method: 'PUT', url: '/v0/project/during-outage', headers: hilAdmin });
      expect([v0.statusCode, v0.headers['retry-after'], v0.json<{ type: string }>().type]).toEqual([503, '5', 'ServiceUnavailable']);
    } finally {
      await proxy.restore();
    }
    expect(await auditRows()).toBe(before);
    expect(await sql`SELECT 1 FROM projects WHERE name = 'during-outage'`.execute(t.db).then((r) => r.rows)).toEqual([]);
  });

  it('every answered change has exactly one row, written ahead and completed with its status', async () => {
    const ok = await api.inject({ method: 'PUT', url: '/v0/project/audited-1', headers: hilAdmin });
    expect(ok.statusCode).toBe(200);
    const again = await api.inject({ method: 'PUT', url: '/v0/project/audited-1', headers: hilAdmin });
    expect(again.statusCode).toBe(409);
    const rows = (await listAudit(t.db, { subject: 'audited-1' })).reverse();
    expect(rows.map((r) => [r.actor, r.action, r.status, r.outcome, r.error_type])).toEqual([
      ['admin', 'PUT /v0/project/:project', 200, 'ok', null],
      ['admin', 'PUT /v0/project/:project', 409, 'refused', 'DuplicateError'],
    ]);
    expect(await sql`SELECT 1 FROM api_audit WHERE outcome = 'pending'`.execute(t.db).then((r) => r.rows)).toEqual([]);
  });

  it('a change in PostgreSQL commits with its audit row: a row refused after the change was made rolls the change back (503)', async () => {
    // The row is refused only once the project exists in the writer's own view: a row written
    // ahead (before the change) or after the change's commit would go in, and the project stay.
    await sql`CREATE FUNCTION refuse_audit_after_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.path = '/v0/project/audit-after-change' AND EXISTS (SELECT 1 FROM projects WHERE name = 'audit-after-change') THEN
          RAISE EXCEPTION 'audit row refused by the test';
        END IF;
        RETURN NEW;
      END $$`.execute(t.db);
    await sql`CREATE TRIGGER refuse_audit_after_change BEFORE INSERT ON api_audit FOR EACH ROW EXECUTE FUNCTION refuse_audit_after_change()`.execute(t.db);
    try {
      const res = await api.inject({ method: 'PUT', url: '/v0/project/audit-after-change', headers: hilAdmin });
      expect([res.statusCode, res.headers['retry-after'], res.json<{ type: string }>().type]).toEqual([503, '5', 'ServiceUnavailable']);
    } finally {
      await sql`DROP TRIGGER refuse_audit_after_change ON api_audit`.execute(t.db);
      await sql`DROP FUNCTION refuse_audit_after_change()`.execute(t.db);
    }
    expect(await sql`SELECT 1 FROM projects WHERE name = 'audit-after-change'`.execute(t.db).then((r) => r.rows)).toEqual([]);
    expect(await listAudit(t.db, { subject: 'audit-after-change' })).toEqual([]);
    // The same call with the audit working: the change and its row.
    expect((await api.inject({ method: 'PUT', url: '/v0/project/audit-after-change', headers: hilAdmin })).statusCode).toBe(200);
    expect((await listAudit(t.db, { subject: 'audit-after-change' })).map((r) => [r.status, r.outcome])).toEqual([[200, 'ok']]);
  });

  it('a change that starts a workflow is recorded before it: a row that cannot be written leaves Temporal unasked (503)', async () => {
    await sql`CREATE FUNCTION refuse_create_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.action = 'booking.create' THEN RAISE EXCEPTION 'audit row refused by the test'; END IF;
        RETURN NEW;
      END $$`.execute(t.db);
    await sql`CREATE TRIGGER refuse_create_audit BEFORE INSERT ON api_audit FOR EACH ROW EXECUTE FUNCTION refuse_create_audit()`.execute(t.db);
    const create = () => api.inject({ method: 'POST', url: '/v1/bookings', headers: { authorization: `Bearer ${API_ADMIN_TOKEN}`, 'content-type': 'application/json' }, payload: booking });
    askedTemporal.length = 0;
    try {
      const refused = await create();
      expect([refused.statusCode, refused.headers['retry-after'], refused.json<{ error: { type: string } }>().error.type]).toEqual([503, '5', 'DatabaseUnavailable']);
      expect(askedTemporal).toEqual([]);
    } finally {
      await sql`DROP TRIGGER refuse_create_audit ON api_audit`.execute(t.db);
      await sql`DROP FUNCTION refuse_create_audit()`.execute(t.db);
    }
    // With its row written, the same create goes on to Temporal (here a Temporal that answers nothing).
    const res = await create();
    expect(askedTemporal, res.body).not.toEqual([]);
  });

  it('every 2xx of /v0 has its row, with the status it was answered with', async () => {
    const calls: ['PUT' | 'POST' | 'DELETE', string, unknown?][] = [
      ['PUT', '/project/every-2xx'],
      ['PUT', '/auth/basic/user/every-2xx-user', { password: 'pw-every-2xx' }],
      ['POST', '/auth/basic/user/every-2xx-user/add_project', { project: 'every-2xx' }],
      ['PUT', '/network/every-2xx-net', { owner: 'admin', access: '', net_id: '3001' }],
      ['PUT', '/node/every-2xx-node', { obm: { type: 'ipmi', host: '10.0.0.9', user: 'root', password: 'pw' } }],
      ['PUT', '/node/every-2xx-node/nic/eno1', { macaddr: '52:54:00:00:00:99' }],
      ['PUT', '/node/every-2xx-node/metadata/rack', { value: 'r1' }],
      ['POST', '/project/every-2xx/connect_node', { node: 'every-2xx-node' }],
      ['DELETE', '/node/every-2xx-node/metadata/rack'],
      ['DELETE', '/network/every-2xx-net'],
    ];
    const statuses: number[] = [];
    for (const [method, url, payload] of calls) {
      const res = await api.inject({ method, url: `/v0${url}`, headers: { ...hilAdmin, 'content-type': 'application/json' }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual(calls.map(() => 200));
    const rows = await sql<{ method: string; path: string; status: number; outcome: string }>`SELECT method, path, status, outcome FROM api_audit WHERE path LIKE '%every-2xx%' ORDER BY id`.execute(t.db);
    expect(rows.rows.map((r) => [r.method, r.path, r.status, r.outcome])).toEqual(calls.map(([method, url], i) => [method, `/v0${url}`, statuses[i], 'ok']));
  });

  it('a NUL or a lone surrogate in an audited field is stored escaped, not dropped', async () => {
    const res = await api.inject({ method: 'PUT', url: '/v0/project/a%00b', headers: hilAdmin });
    expect(res.statusCode).toBe(400);
    const [row] = await listAudit(t.db, { subject: 'a\\u0000b' });
    expect(row).toMatchObject({ action: 'PUT /v0/project/:project', status: 400, outcome: 'refused' });
    expect(auditText('x\ud800y\\z')).toBe('x\\ud800y\\\\z');
  });
});
