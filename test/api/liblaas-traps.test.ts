/**
 * The traps of a liblaas server, through the dashboard simulator: bad input (unknown flavor, an
 * image the flavor does not offer, malformed JSON, another project's template, a hostname the
 * hosts cannot take, an unknown user) answers what the dashboard handles and leaves no allocation,
 * workflow or account; a collaborator without keys is a warning only; the template list is never
 * empty for a served project; one host failing for good fails the whole booking red and `end`
 * still succeeds; a booking made through /v1 does not leak into liblaas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { insertTemplate, getTemplate } from '../../db/liblaas-templates';
import { countAggregates } from '../../db/liblaas-aggregates';
import { PageError, SimDashboard, type DashboardUser } from '../../sim/liblaas-dashboard/dashboard';
import { endBooking, poll } from '../../sim/liblaas-dashboard/booking-page';
import { startLiblaas, until, type LiblaasEnv } from '../helpers/liblaas';
import { ed25519Blob, keyLine } from '../unit/ssh-keys.fixtures';

let t: LiblaasEnv;
let dash: SimDashboard;
const frank: DashboardUser = { name: 'frank', email: 'frank@example.org', ipa: null };
const grace: DashboardUser = { name: 'grace', email: 'grace@example.org', ipa: null };
let pairId = '';
let singleId = '';

beforeAll(async () => {
  t = await startLiblaas({ projects: ['anuket', 'lfedge'] });
  dash = new SimDashboard(t.base, 'anuket');
  await dash.createAccount(frank, { givenname: 'Frank', sn: 'Zappa', company: 'Mothers' });
  await dash.fixPrerequisites(frank, { keys: [keyLine(ed25519Blob(), 'frank')] });
  // grace has no SSH key.
  await dash.createAccount(grace, { givenname: 'Grace', sn: 'Hopper', company: 'Navy' });
  const page = await dash.bookPage(frank);
  pairId = page.templates.find((x) => x.pod_name === 'sim.small pair')!.id as string;
  singleId = page.templates.find((x) => x.pod_name === 'sim.small')!.id as string;
});
afterAll(async () => {
  await t?.close();
});

const form = (templateId: string, collaborators: DashboardUser[] = []) => ({ templateId, collaborators, purpose: 'Testing', project: 'Anuket', details: 'Checking what liblaas does with this request', length: 2 });

/** Nothing anywhere: no aggregate, no laas booking row or allocation, no workflow, no VPN account. */
async function nothingLeft(): Promise<void> {
  const db = t.env.database.db;
  expect(await countAggregates(db)).toBe(0);
  const count = async (table: 'bookings' | 'host_allocations' | 'vlan_allocations') => Number((await db.selectFrom(table).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  expect([await count('bookings'), await count('host_allocations'), await count('vlan_allocations')]).toEqual([0, 0, 0]);
  // The directory's user look-ups run as short workflows of their own; no booking's may be there.
  expect((await t.env.client.workflow.count(`TaskQueue = "${t.env.taskQueue}" AND WorkflowType != "directoryUserWorkflow"`)).count).toBe(0);
  expect(t.env.simLab.accounts.size).toBe(0);
  expect([...t.env.simLab.users.values()].filter((u) => u.bookings.size)).toEqual([]);
  expect(dash.bookings).toEqual([]);
}

/** A copy of the public single-host template with one thing changed, stored as a stale template would be. */
async function variant(change: (h: Record<string, unknown>) => Record<string, unknown>, project = 'anuket'): Promise<string> {
  const base = (await getTemplate(t.env.database.db, singleId))!;
  const id = randomUUID();
  await insertTemplate(t.env.database.db, { id, project, owner: 'frank', name: 'variant', description: '', public: false, hosts: base.hosts.map((h) => change({ ...h }) as unknown as typeof h), networks: base.networks });
  return id;
}

describe('bad input leaves nothing behind', () => {
  it('refuses, as "resources unavailable", an unknown flavor, an image not offered, another project\'s template, a bad hostname, an unknown user', async () => {
    const cases = [
      await variant((h) => ({ ...h, flavor: randomUUID() })),
      await variant((h) => ({ ...h, image: randomUUID() })),
      await variant((h) => h, 'lfedge'),
      await variant((h) => ({ ...h, hostname: 'Bad_Host!' })),
      randomUUID(),
    ];
    for (const id of cases) await expect(dash.book(frank, form(id))).rejects.toThrow(PageError);
    const stranger: DashboardUser = { name: 'stranger', email: 's@example.org', ipa: 'stranger' };
    await expect(dash.book(frank, form(singleId, [stranger]))).rejects.toThrow(PageError);
    const malformed = await fetch(`${t.base}booking/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"template_id": "' });
    expect(malformed.status).toBe(400);
    await nothingLeft();
  });
});

describe('admission', () => {
  it('refuses at once a booking whose hosts a /v1 booking holds over its lease: "resources unavailable", no aggregate, no run of its own', async () => {
    const held = randomUUID();
    const start = new Date(Date.now() + 3_600_000);
    const hosts = Array.from({ length: 4 }, () => ({ flavor: 'sim.small', image: 'ubuntu-22.04', interfaces: {} }));
    const res = await t.api.inject({
      method: 'POST',
      url: '/v1/bookings',
      headers: { authorization: `Bearer ${t.adminToken}` },
      payload: { id: held, project: 'anuket', owner: 'frank', start: start.toISOString(), end: new Date(start.getTime() + 3_600_000).toISOString(), hosts },
    });
    expect(res.statusCode).toBe(201);
    try {
      // Every host is free now, so the availability count passes; the admission finds them held from the next hour.
      expect(((await dash.api.flavors('anuket')) as { available_count: number }[])[0]!.available_count).toBe(4);
      const refused = await fetch(`${t.base}booking/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ origin: 'anuket', template_id: singleId, allowed_users: ['frank'], global_cifile: '', metadata: { owner: 'frank', lab: 'anuket', length: 2 } }),
      });
      expect(refused.status).toBe(500);
      const text = await refused.text();
      expect(() => JSON.parse(text) as unknown).toThrow();
      expect(text).toMatch(/unable to create the aggregate\/booking/);
      await expect(dash.book(frank, form(singleId))).rejects.toThrow(PageError);
      expect(await countAggregates(t.env.database.db)).toBe(0);
      // The /v1 booking only: the refused booking's own run (admission is an Update-with-Start) has
      // ended within seconds; the directory's user look-ups run as short workflows of their own (see nothingLeft).
      const bookingsRunning = async () => (await t.env.client.workflow.count(`TaskQueue = "${t.env.taskQueue}" AND ExecutionStatus = "Running" AND WorkflowType != "directoryUserWorkflow"`)).count;
      await until('only the /v1 booking running', async () => (await bookingsRunning()) === 1, 10_000);
      expect(await bookingsRunning()).toBe(1);
    } finally {
      // Released whatever the assertions found: the tests after this one need its hosts.
      await t.api.inject({ method: 'DELETE', url: `/v1/bookings/${held}`, headers: { authorization: `Bearer ${t.adminToken}` } });
      await until('the /v1 booking released', async () => (await t.env.client.workflow.count(`TaskQueue = "${t.env.taskQueue}" AND ExecutionStatus = "Running"`)).count === 0);
    }
  });
});

describe('every change is audited', () => {
  it('records each create with what the dashboard asked; one that cannot be recorded is refused with 503 in plain text and nothing is made', async () => {
    const db = t.env.database.db;
    await sql`CREATE FUNCTION refuse_liblaas_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.path LIKE '%/booking/create' THEN RAISE EXCEPTION 'audit refused by the test'; END IF;
        RETURN NEW;
      END $$`.execute(db);
    await sql`CREATE TRIGGER refuse_liblaas_audit BEFORE INSERT ON api_audit FOR EACH ROW EXECUTE FUNCTION refuse_liblaas_audit()`.execute(db);
    // What earlier tests left (a released /v1 booking's row and workflows) stays as it is: the refused create adds nothing.
    const count = async (table: 'bookings' | 'host_allocations' | 'vlan_allocations') => Number((await db.selectFrom(table).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    const everything = async () => ({
      aggregates: await countAggregates(db),
      bookings: await count('bookings'),
      hosts: await count('host_allocations'),
      vlans: await count('vlan_allocations'),
      workflows: (await t.env.client.workflow.count(`TaskQueue = "${t.env.taskQueue}" AND WorkflowType != "directoryUserWorkflow"`)).count,
    });
    const before = await everything();
    try {
      const refused = await fetch(`${t.base}booking/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ origin: 'anuket', template_id: singleId, allowed_users: ['frank'], global_cifile: '', metadata: { owner: 'frank', lab: 'anuket', project: 'anuket', purpose: 'audit', length: 1 } }),
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await refused.text()).toMatch(/^Error handling request: the database that records every change is unavailable/);
      expect(await everything()).toEqual(before);
    } finally {
      await sql`DROP TRIGGER refuse_liblaas_audit ON api_audit`.execute(db);
      await sql`DROP FUNCTION refuse_liblaas_audit()`.execute(db);
    }
    const made = await dash.book(frank, form(singleId));
    const row = await db
      .selectFrom('api_audit')
      .selectAll()
      .where('path', 'like', '%/booking/create')
      .where('outcome', '=', 'ok')
      .orderBy('at', 'desc')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ actor: 'liblaas', actor_kind: 'dashboard', method: 'POST', status: 200 });
    expect(row.detail).toMatchObject({ template_id: singleId, owner: 'frank', length: 2 });
    await until('ready', async () => (await poll(dash, made.bookingId)).ready);
    const b = dash.booking(made.bookingId);
    expect(await endBooking(dash, b)).toBe(true);
    await until('released', async () => ((await dash.api.bookingStatus(b.aggregateId)) as { state: string }).state === 'released');
    // The end is on record too.
    const ends = await db.selectFrom('api_audit').select(['status', 'actor']).where('path', 'like', `%/booking/${b.aggregateId}/end`).execute();
    expect(ends).toContainEqual({ status: 200, actor: 'liblaas' });
  });
});

describe('the checklist', () => {
  it('never lists no templates for a served project: a new user of another project sees its public ones', async () => {
    const other = new SimDashboard(t.base, 'lfedge');
    const list = (await other.api.templates('lfedge', 'newcomer')) as { lab_name: string; public: boolean }[];
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((x) => x.lab_name === 'lfedge' && x.public)).toBe(true);
  });

  it('a collaborator without keys is a warning; their account has no ipasshpubkey at all', async () => {
    expect(await dash.api.user('grace')).not.toHaveProperty('ipasshpubkey');
    const made = await dash.book(frank, form(singleId, [grace]));
    expect(made.warnings).toEqual(['grace has no SSH key']);
    await until('ready', async () => (await poll(dash, made.bookingId)).ready);
    expect(await endBooking(dash, dash.booking(made.bookingId))).toBe(true);
    await until('released', async () => ((await dash.api.bookingStatus(dash.booking(made.bookingId).aggregateId)) as { state: string }).state === 'released');
  });

  it('one host failing for good fails the booking: every instance red, ready, end succeeds, nothing left', async () => {
    for (const target of ['sim-02', 'sim-03', 'sim-04']) t.env.simLab.faults.inject({ at: 'imaging.deploy', target, kind: 'permanent' });
    const made = await dash.book(frank, form(pairId));
    const done = await until('every host done', async () => {
      const p = await poll(dash, made.bookingId);
      return p.ready && Object.values(p.lights).every((l) => l === 'fail') ? p : null;
    }, 90_000);
    expect(Object.keys(done.lights)).toHaveLength(2);
    const b = dash.booking(made.bookingId);
    expect(await endBooking(dash, b)).toBe(true);
    t.env.simLab.faults.clear();
    await until('settled', async () => ['failed', 'released'].includes(((await dash.api.bookingStatus(b.aggregateId)) as { state: string }).state));
    // No host is held any more; hosts that kept failing left service (laas's substitution), as liblaas's "maintenance".
    const hosts = await until('hosts back', async () => {
      const list = (await dash.api.hosts('anuket')) as { name: string; allocation: string | null }[];
      return list.every((h) => h.allocation !== 'booking') ? list : null;
    });
    expect(hosts.filter((h) => h.allocation === null).map((h) => h.name)).toContain('sim-01');
    expect(t.env.simLab.residue()).toEqual([]);
  });

  it('a booking made through /v1 does not show through liblaas', async () => {
    const lists = async () => Promise.all(['anuket', 'lfedge'].map((p) => dash.api.templates(p, 'frank')));
    const before = await lists();
    const id = randomUUID();
    const res = await t.api.inject({
      method: 'POST',
      url: '/v1/bookings',
      headers: { authorization: `Bearer ${t.adminToken}` },
      payload: { id, project: 'lfedge', owner: 'frank', end: new Date(Date.now() + 3_600_000).toISOString(), hosts: [{ flavor: 'sim.small', image: 'ubuntu-22.04', interfaces: {} }] },
    });
    expect([201, 202]).toContain(res.statusCode);
    expect(await dash.api.bookingStatus(id)).toBeNull();
    expect(await dash.api.bookingEnd(id)).toMatchObject({ success: false });
    expect(await lists()).toEqual(before);
    await t.api.inject({ method: 'DELETE', url: `/v1/bookings/${id}`, headers: { authorization: `Bearer ${t.adminToken}` } });
  });
});
