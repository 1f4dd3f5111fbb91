/**
 * A project member's connect_node holds the node for the lab's maximum lease, like a booking,
 * and connecting it again in the second half of the lease renews the hold; an administrator's hold
 * stays open-ended.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab } from '../../db/labs';
import { addUserToProject, createApiToken, createUser } from '../../db/users';
import { buildHilApp, type HilApp } from './helpers/hil-app';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

let t: TempDatabase;
let hil: HilApp;
let member = '';

async function call(method: string, url: string, token: string, body?: unknown) {
  const res = await hil.app.inject({ method: method as 'POST', url: `/v0${url}`, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
  return res.statusCode;
}

/** The node's holding: its hours from now to its end (null: open-ended). */
async function holding(node: string): Promise<{ project: string; hoursLeft: number | null }> {
  const r = await sql<{ project: string; hours: string | null }>`
    SELECT p.name AS project, extract(epoch FROM upper(a.during) - now()) / 3600 AS hours
    FROM host_allocations a JOIN hosts h ON h.id = a.host_id JOIN projects p ON p.id = a.project_id WHERE h.name = ${node}`.execute(t.db);
  const row = r.rows[0]!;
  return { project: row.project, hoursLeft: row.hours === null ? null : Math.round(Number(row.hours) * 100) / 100 };
}

beforeAll(async () => {
  t = await createTempDatabase();
  hil = await buildHilApp(t);
  await ensureLab(t.db, 'hil-lab');
  await sql`UPDATE labs SET max_lease_hours = 48 WHERE name = 'hil-lab'`.execute(t.db);
  const obm = { type: 'ipmi', host: '127.0.0.1', port: 9, user: 'u', password: 'bmc-pw-1' };
  for (const [method, url, body] of [['PUT', '/project/lab-users'], ['PUT', '/node/n1', { obm }], ['PUT', '/node/n2', { obm }]] as const) {
    expect(await call(method, url, hil.adminToken, body)).toBe(200);
  }
  await createUser(t.db, 'mia', null);
  await addUserToProject(t.db, 'mia', 'lab-users');
  member = await createApiToken(t.db, 'mia');
});
afterAll(async () => {
  await hil?.app.close();
  await t?.drop();
});

describe('connect_node under the lab\'s lease rules', () => {
  it("a member's hold ends at the lab's maximum lease, and connecting again late in it renews it", async () => {
    expect(await call('POST', '/project/lab-users/connect_node', member, { node: 'n1' })).toBe(200);
    expect(await holding('n1')).toEqual({ project: 'lab-users', hoursLeft: 48 });
    // Connecting again at once is HIL's 409 (already owned by the project), as HIL clients expect.
    expect(await call('POST', '/project/lab-users/connect_node', member, { node: 'n1' })).toBe(409);
    // 30 hours later (the hold moved back), in the second half of its lease, the member renews: a full lease from now again.
    await sql`UPDATE host_allocations SET during = tstzrange(lower(during) - interval '30 hours', upper(during) - interval '30 hours', '[)')`.execute(t.db);
    expect((await holding('n1')).hoursLeft).toBe(18);
    expect(await call('POST', '/project/lab-users/connect_node', member, { node: 'n1' })).toBe(200);
    expect(await holding('n1')).toEqual({ project: 'lab-users', hoursLeft: 48 });
  });

  it("an administrator's hold stays open-ended (maintenance)", async () => {
    expect(await call('POST', '/project/lab-users/connect_node', hil.adminToken, { node: 'n2' })).toBe(200);
    expect(await holding('n2')).toEqual({ project: 'lab-users', hoursLeft: null });
  });
});
