/**
 * `GET /v1/bookings` over the read model in PostgreSQL: each filter, cursor pages, a user's project scope,
 * and refusals of filters that are not valid. The bookings start in an hour, so they hold their
 * allocation and wait: the list has stable things to find without provisioning anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildServer } from '../../api/server';
import { createUserToken } from '../../db/api-tokens';
import { createProject } from '../../db/projects';
import { addUserToProject, createUser } from '../../db/users';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';

const suffix = randomBytes(3).toString('hex');
// Names of this run only (the dev server is shared by every test file).
const P1 = `list-${suffix}`;
const P2 = `list2-${suffix}`;
const OWNER = `own-${suffix}`;
const ids = { b1: `l1-${suffix}`, b2: `l2-${suffix}`, b3: `l3-${suffix}` };
const admin: Record<string, string> = { authorization: `Bearer list-admin-${suffix}-0123456789` };

let env: LabWorker;
let api: FastifyInstance;
let carol: Record<string, string>;
const start = new Date(Date.now() + 3_600_000).toISOString();
const end = new Date(Date.now() + 2 * 3_600_000).toISOString();

beforeAll(async () => {
  env = await startLabWorker();
  api = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: admin.authorization!.slice(7) });
  await createProject(env.database.db, P1);
  await createUser(env.database.db, 'carol', null);
  await addUserToProject(env.database.db, 'carol', P1);
  carol = { authorization: `Bearer ${(await createUserToken(env.database.db, 'carol')).token}` };
  const book = (id: string, project: string, owner: string, host: string) =>
    api.inject({
      method: 'POST',
      url: '/v1/bookings',
      headers: admin,
      payload: { id, project, owner, start, end, networks: [{ name: 'public', public: true }], hosts: [{ name: host, image: 'rocky-9', interfaces: { eno1: [{ network: 'public' }] } }] },
    });
  // One after the other: the list is newest first.
  for (const [id, project, owner, host] of [
    [ids.b1, P1, OWNER, 'sim-01'],
    [ids.b2, P1, 'bob', 'sim-02'],
    [ids.b3, P2, OWNER, 'sim-03'],
  ] as const) {
    expect((await book(id, project, owner, host)).statusCode).toBe(201);
  }
});
afterAll(async () => {
  await api?.close();
  await env?.close();
});

interface Page {
  bookings: { id: string; project: string; owner: string; state: string; start: string; end: string; hosts: string[] }[];
  nextCursor: string | null;
}

async function page(query: string, headers = admin): Promise<Page> {
  const res = await api.inject({ method: 'GET', url: `/v1/bookings?${query}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Page>();
}

/** Every page of a filter, following the cursors. */
async function all(query: string, headers = admin): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const p: Page = await page(`${query}${cursor ? `&cursor=${cursor}` : ''}`, headers);
    out.push(...p.bookings.map((b) => b.id));
    cursor = p.nextCursor;
  } while (cursor);
  return out;
}

/** The read model catches up a moment after the workflow: ask until the answer is the expected one. */
async function eventually(query: string, expected: string[], headers = admin): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const got = await all(query, headers);
    if (JSON.stringify(got) === JSON.stringify(expected) || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('listing bookings', () => {
  it('filters by project, owner, host and state, newest first, with the summary of each', async () => {
    expect(await eventually(`project=${P1}`, [ids.b2, ids.b1])).toEqual([ids.b2, ids.b1]);
    expect(await all(`project=${P1}&owner=${OWNER}`)).toEqual([ids.b1]);
    expect(await all(`project=${P1}&host=sim-02`)).toEqual([ids.b2]);
    expect(await all(`owner=${OWNER}&host=sim-03`)).toEqual([ids.b3]);
    expect(await all(`project=${P1}&state=scheduled`)).toEqual([ids.b2, ids.b1]);
    expect(await all(`project=${P1}&state=active,held`)).toEqual([]);
    const [b1] = (await page(`project=${P1}&owner=${OWNER}`)).bookings;
    expect(b1).toEqual({ id: ids.b1, project: P1, owner: OWNER, state: 'scheduled', start, end, hosts: ['sim-01'] });
  });

  it('pages with cursors, every booking once, and refuses a cursor used with other filters', async () => {
    await eventually(`owner=${OWNER}`, [ids.b3, ids.b1]);
    const first = await page(`owner=${OWNER}&limit=1`);
    expect(first.bookings.map((b) => b.id)).toEqual([ids.b3]);
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await page(`owner=${OWNER}&limit=1&cursor=${first.nextCursor}`);
    expect(second.bookings.map((b) => b.id)).toEqual([ids.b1]);
    expect(await all(`owner=${OWNER}&limit=1`)).toEqual([ids.b3, ids.b1]);

    const reused = await api.inject({ method: 'GET', url: `/v1/bookings?owner=bob&limit=1&cursor=${first.nextCursor}`, headers: admin });
    expect([reused.statusCode, reused.json()]).toEqual([400, { error: { type: 'InvalidCursor', message: 'cursor: not a cursor of this list (filters changed, or not a nextCursor)' } }]);
    // A cursor with its position changed: refused.
    const forged = Buffer.from(first.nextCursor!, 'base64url');
    forged.writeUInt8(forged.readUInt8(forged.length - 2) ^ 1, forged.length - 2);
    const madeUp = await api.inject({ method: 'GET', url: `/v1/bookings?owner=${OWNER}&cursor=${forged.toString('base64url')}`, headers: admin });
    expect([madeUp.statusCode, madeUp.json<{ error: { type: string } }>().error.type]).toEqual([400, 'InvalidCursor']);
  });

  it("shows a user its projects' bookings only", async () => {
    expect(await eventually(`owner=${OWNER}`, [ids.b1], carol)).toEqual([ids.b1]);
    expect(await all(`project=${P2}`, carol)).toEqual([]);
    expect(await all(`project=${P1}`, carol)).toEqual([ids.b2, ids.b1]);
  });

  it('follows state changes: a released booking lists as released', async () => {
    expect((await api.inject({ method: 'DELETE', url: `/v1/bookings/${ids.b2}`, headers: admin })).statusCode).toBe(202);
    expect(await eventually(`project=${P1}&state=released`, [ids.b2])).toEqual([ids.b2]);
    expect((await all(`project=${P1}&state=scheduled,released`)).sort()).toEqual([ids.b1, ids.b2]);
    for (const id of [ids.b1, ids.b3]) await api.inject({ method: 'DELETE', url: `/v1/bookings/${id}`, headers: admin });
  });

  it('refuses filters that are not valid, naming them', async () => {
    const cases: [string, string][] = [
      ['state=bogus', 'state'],
      ['project=A%20B', 'project'],
      ['host=sim-01%22%20OR%20%221', 'host'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['color=red', ''],
    ];
    for (const [query, field] of cases) {
      const res = await api.inject({ method: 'GET', url: `/v1/bookings?${query}`, headers: admin });
      const error = res.json<{ error: { type: string; message: string } }>().error;
      expect([res.statusCode, error.type], query).toEqual([400, 'InvalidRequest']);
      expect(error.message.startsWith(field), error.message).toBe(true);
    }
  });
});
