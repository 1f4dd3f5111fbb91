/**
 * The API's cache of token holders: a user's or a dashboard's token is checked in memory after
 * its first request, and a revoked token, a user removed from a project or a deleted user is seen
 * by the next request once PostgreSQL notifies the change. Without the listening connection every
 * request is checked against PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../api/server';
import type { Lab } from '../../config/lab';
import { ChangeListener } from '../../api/change-listener';
import { ACCESS_CHANNEL, TokenCache } from '../../api/auth/token-cache';
import { createDashboardToken, createUserToken, revokeApiToken } from '../../db/api-tokens';
import { ensureLab } from '../../db/labs';
import { createProject } from '../../db/projects';
import { addUserToProject, createUser, deleteUser, removeUserFromProject } from '../../db/users';
import { noTemporal } from './helpers/api-app';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';
import { until } from '../helpers/poll';

let t: TempDatabase;
let changes: ChangeListener;
let tokens: TokenCache;
let api: FastifyInstance;

beforeAll(async () => {
  t = await createTempDatabase();
  await ensureLab(t.db, 'sim');
  for (const p of ['demo', 'other']) await createProject(t.db, p);
  for (const u of ['alice', 'bob', 'carol']) await createUser(t.db, u, null);
  await addUserToProject(t.db, 'alice', 'demo');
  await addUserToProject(t.db, 'alice', 'other');
  await addUserToProject(t.db, 'carol', 'demo');
  changes = new ChangeListener(t.url, [ACCESS_CHANNEL], { reconnectMs: 1_500 });
  // A long max age: whatever changes within a test is seen because it was notified, not because it expired.
  tokens = new TokenCache(t.db, changes, { maxAgeMs: 600_000, markUsedMs: 0 });
  await changes.start();
  api = await buildServer({
    temporal: noTemporal,
    db: t.db,
    lab: { name: 'sim' } as unknown as Lab,
    taskQueue: 'unused',
    apiToken: 'token-cache-admin-0123456789',
    tokenCache: tokens,
  });
  await api.ready();
});
afterAll(async () => {
  await api?.close();
  await changes?.close();
  await t?.drop();
});

async function me(token: string, actingFor?: string): Promise<{ status: number; body: { name?: string; projects?: string[] | null; actingFor?: string; error?: { type: string } } }> {
  const res = await api.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}`, ...(actingFor ? { 'x-on-behalf-of': actingFor } : {}) } });
  return { status: res.statusCode, body: res.json() };
}

const lookups = () => structuredClone(tokens.lookups);

describe('token cache', () => {
  it('checks a user token against PostgreSQL once, then from memory', async () => {
    const { token } = await createUserToken(t.db, 'alice');
    const before = lookups();
    for (let i = 0; i < 5; i++) expect((await me(token)).body).toMatchObject({ name: 'alice', projects: ['demo', 'other'] });
    expect(tokens.lookups.token.miss - before.token.miss).toBe(1);
    expect(tokens.lookups.token.hit - before.token.hit).toBe(4);
    // What an operator sees of it: the API's /metrics.
    const metrics = (await api.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`laas_api_token_cache_lookups_total{kind="token",result="hit"} ${tokens.lookups.token.hit}`);
    expect(metrics).toMatch(/laas_api_token_cache_lookups_total\{kind="user",result="shared"\} \d+/);
  });

  it('looks a new token up once for requests that come together, and again in the background near its max age', async () => {
    const { token } = await createUserToken(t.db, 'alice', 'together');
    const before = lookups();
    const answers = await Promise.all(Array.from({ length: 20 }, () => me(token)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(tokens.lookups.token.miss - before.token.miss).toBe(1);
    expect(tokens.lookups.token.shared - before.token.shared).toBe(19);

    // Its own cache with a max age of 1 s, polled every 100 ms for 3 s: the token is looked up
    // once, then refreshed in the background; no poll finds it gone.
    const own = new TokenCache(t.db, changes, { maxAgeMs: 1_000 });
    const polled = await buildServer({ temporal: noTemporal, db: t.db, lab: { name: 'sim' } as unknown as Lab, taskQueue: 'unused', apiToken: 'token-cache-admin-0123456789', tokenCache: own });
    try {
      for (let i = 0; i < 30; i++) {
        const res = await polled.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
        expect(res.statusCode).toBe(200);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(own.lookups.token.miss).toBe(1);
      expect(own.lookups.token.refresh).toBeGreaterThanOrEqual(2);
    } finally {
      await polled.close();
    }
  });

  it('refuses a revoked token at the next request once the revocation is heard, not at the max age', async () => {
    const { id, token } = await createUserToken(t.db, 'bob');
    expect((await me(token)).status).toBe(200);
    expect((await me(token)).status).toBe(200);
    await revokeApiToken(t.db, id);
    const after = await until(() => me(token), (r) => r.status === 401, 5_000);
    expect(after).toMatchObject({ status: 401, body: { error: { type: 'Unauthenticated' } } });
  });

  it('sees a user leave a project, and a deleted user a dashboard acts for', async () => {
    const { token } = await createUserToken(t.db, 'alice');
    expect((await me(token)).body.projects).toEqual(['demo', 'other']);
    await removeUserFromProject(t.db, 'alice', 'other');
    expect((await until(() => me(token), (r) => r.body.projects?.length === 1, 5_000)).body.projects).toEqual(['demo']);

    const dashboard = (await createDashboardToken(t.db, 'sim', 'dash')).token;
    const before = lookups();
    expect((await me(dashboard, 'carol')).body).toMatchObject({ kind: 'dashboard', actingFor: 'carol' });
    expect((await me(dashboard, 'carol')).body).toMatchObject({ actingFor: 'carol' });
    expect(tokens.lookups.user.miss - before.user.miss).toBe(1);
    await deleteUser(t.db, 'carol');
    const gone = await until(() => me(dashboard, 'carol'), (r) => r.status === 403, 5_000);
    expect(gone.body.error?.type).toBe('UnknownUser');
    // An unknown token is never kept: each one is looked up.
    const misses = tokens.lookups.token.miss;
    expect((await me('laas_not-a-token')).status).toBe(401);
    expect((await me('laas_not-a-token')).status).toBe(401);
    expect(tokens.lookups.token.miss - misses).toBe(2);
  });

  it('keeps marking a token in use as used', async () => {
    const { id, token } = await createUserToken(t.db, 'alice', 'marked');
    await me(token);
    await sql`update api_tokens set last_used_at = null where id = ${id}`.execute(t.db);
    await me(token);
    const used = await until(
      async () => (await t.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow()).last_used_at,
      (at) => at !== null,
      5_000,
    );
    expect(used).toBeInstanceOf(Date);
  });

  it('keeps nothing while its listening connection is lost: a revocation then counts at once', async () => {
    const { id, token } = await createUserToken(t.db, 'alice', 'outage');
    expect((await me(token)).status).toBe(200);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'LISTEN%' and pid <> pg_backend_pid()`.execute(t.db);
    expect(await until(() => Promise.resolve(changes.listening), (l) => !l, 2_000)).toBe(false);
    // Nobody would hear this revocation: without the trigger, only a query sees it.
    await sql`alter table api_tokens disable trigger api_tokens_access_notify`.execute(t.db);
    try {
      await revokeApiToken(t.db, id);
      expect((await me(token)).status).toBe(401);
      expect(tokens.lookups.token.bypass).toBeGreaterThanOrEqual(1);
    } finally {
      await sql`alter table api_tokens enable trigger api_tokens_access_notify`.execute(t.db);
    }
    expect(await until(() => Promise.resolve(changes.listening), (l) => l, 5_000)).toBe(true);
    const { token: again } = await createUserToken(t.db, 'alice', 'after');
    const before = lookups();
    await me(again);
    await me(again);
    expect(tokens.lookups.token.hit - before.token.hit).toBe(1);
  });
});
