/**
 * The audit cannot be lost: a change is written ahead of its handler (refused with 503 and
 * Retry-After when the database cannot take the row, so nothing is done unaudited), every
 * answered change has exactly one row, and bytes PostgreSQL refuses are stored escaped.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
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
const hilAdmin = { authorization: basic('admin', HIL_ADMIN_PASSWORD) };

beforeAll(async () => {
  t = await createTempDatabase();
  const u = new URL(t.url);
  proxy = await new TcpProxy({ host: u.hostname, port: Number(u.port || 5432) }).start();
  // The API reaches PostgreSQL through a proxy the test can cut; the test reads the rows directly.
  viaProxy = connect(proxy.url(t.url), { max: 4 });
  ({ api } = await buildApiApp({ ...t, db: viaProxy }));
});
afterAll(async () => {
  await api?.close();
  await viaProxy?.destroy();
  await proxy?.stop();
  await t?.drop();
});

const auditRows = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM api_audit`.execute(t.db)).rows[0]!.n);
const booking = JSON.stringify({ project: 'demo', owner: 'alice', end: new Date(Date.now() + 3_600_000).toISOString(), hosts: [{ name: 'sim-01', image: 'ubuntu', interfaces: { eno1: [{ network: 'public' }] } }] });

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

  it('a NUL or a lone surrogate in an audited field is stored escaped, not dropped', async () => {
    const res = await api.inject({ method: 'PUT', url: '/v0/project/a%00b', headers: hilAdmin });
    expect(res.statusCode).toBe(400);
    const [row] = await listAudit(t.db, { subject: 'a\\u0000b' });
    expect(row).toMatchObject({ action: 'PUT /v0/project/:project', status: 400, outcome: 'refused' });
    expect(auditText('x\ud800y\\z')).toBe('x\\ud800y\\\\z');
  });
});
