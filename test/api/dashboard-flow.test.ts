/**
 * A dashboard's whole conversation over HTTP, with real tokens from the database, a real worker
 * on the simulated lab and Temporal's dev server: create, watch the events until active, extend,
 * release. Another project's token gets 404 (never a hint that the booking exists) or 403; no
 * token gets 401. Every change is in the audit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildServer } from '../../api/server';
import { createDashboardToken, createUserToken } from '../../db/api-tokens';
import { listAudit } from '../../db/audit';
import { ensureLab } from '../../db/labs';
import { createProject } from '../../db/projects';
import { addUserToProject, createUser } from '../../db/users';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';

const suffix = randomBytes(3).toString('hex');
// Visibility is shared by every test file on the dev server: names of this run only.
const project = `flow-${suffix}`;
const rival = `rival-${suffix}`;
const id = `dash-${suffix}`;

let env: LabWorker;
let api: FastifyInstance;
const token: Record<string, string> = {};

beforeAll(async () => {
  env = await startLabWorker();
  const db = env.database.db;
  await ensureLab(db, env.lab.name);
  await createProject(db, project);
  await createProject(db, rival);
  await createUser(db, 'alice', null);
  await createUser(db, 'bob', null);
  await createUser(db, 'carol', null);
  await addUserToProject(db, 'alice', project);
  await addUserToProject(db, 'carol', project);
  await addUserToProject(db, 'bob', rival);
  token.alice = (await createUserToken(db, 'alice')).token;
  token.bob = (await createUserToken(db, 'bob')).token;
  token.carol = (await createUserToken(db, 'carol')).token;
  token.dashboard = (await createDashboardToken(db, env.lab.name)).token;
  api = await buildServer({ temporal: env.client, db, lab: env.lab, taskQueue: env.taskQueue, apiToken: `admin-${randomBytes(12).toString('hex')}` });
});
afterAll(async () => {
  await api?.close();
  await env?.close();
});

type Headers = Record<string, string>;
const as = (who: string, onBehalfOf?: string): Headers => ({ authorization: `Bearer ${token[who]}`, ...(onBehalfOf ? { 'x-on-behalf-of': onBehalfOf } : {}) });

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, headers: Headers, payload?: object) {
  const res = await api.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}

interface Event {
  id: string;
  kind: string;
  at: string;
}

/** What a dashboard does to follow a booking: poll the events after the last one seen. */
async function watchUntil(kind: string, seen: Event[], who: Headers): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!seen.some((e) => e.kind === kind)) {
    if (Date.now() > deadline) throw new Error(`no ${kind} event; saw ${seen.map((e) => e.kind).join(', ')}`);
    const after = seen.at(-1)?.id ?? '0';
    const res = await call('GET', `/v1/bookings/${id}/events?after=${after}`, who);
    expect(res.status).toBe(200);
    seen.push(...(res.body.events as Event[]));
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The list is eventually consistent: ask until it shows what is expected. */
async function listedIds(query: string, who: Headers, expectId: boolean): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await call('GET', `/v1/bookings?${query}`, who);
    expect(res.status).toBe(200);
    const ids = (res.body.bookings as { id: string }[]).map((b) => b.id);
    if (ids.includes(id) === expectId || Date.now() > deadline) return ids;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const request = () => ({
  id,
  project,
  owner: 'alice',
  end: new Date(Date.now() + 3_600_000).toISOString(),
  networks: [{ name: 'public', public: true }],
  hosts: [{ name: 'sim-01', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public', tagged: false }] } }],
  access: { sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop'], vpnUsers: ['alice'] },
});

describe('a dashboard booking over HTTP, with a user token', () => {
  const events: Event[] = [];

  it('creates, watches the events until active, extends, and releases', async () => {
    const created = await call('POST', '/v1/bookings', as('alice'), request());
    expect(created).toEqual({
      status: 201,
      body: { id, state: 'provisioning', hosts: ['sim-01'], networks: [{ name: 'public', vlan: expect.any(Number) as number }], links: { self: `/v1/bookings/${id}`, events: `/v1/bookings/${id}/events` } },
    });

    await watchUntil('state:active', events, as('alice'));
    expect(events.map((e) => e.kind).filter((k) => k.startsWith('state:') || k === 'allocated')).toEqual(['state:provisioning', 'allocated', 'state:active']);
    expect(events.map((e) => BigInt(e.id))).toEqual([...events.map((e) => BigInt(e.id))].sort((a, b) => (a < b ? -1 : 1)));

    // A teammate sees the booking and its VPN account, not the owner's generated password.
    const teammate = await call('GET', `/v1/bookings/${id}`, as('carol'));
    expect(teammate.body).toMatchObject({ state: 'active', access: { vpnAccounts: ['alice'] } });
    expect(teammate.body.access).not.toHaveProperty('vpnPasswords');
    // The owner gets it once, even asking twice at the same moment: the password the lab's VPN directory holds.
    const both = await Promise.all([call('GET', `/v1/bookings/${id}`, as('alice')), call('GET', `/v1/bookings/${id}`, as('alice'))]);
    const withPassword = both.filter((r) => (r.body.access as Record<string, unknown>).vpnPasswords !== undefined);
    expect(withPassword).toHaveLength(1);
    const active = withPassword[0]!;
    expect(active.body).toMatchObject({ id, project, owner: 'alice', state: 'active' });
    expect(active.body.access).toEqual({ vpnAccounts: ['alice'], vpnPasswords: { alice: env.simLab.accounts.get('alice')!.password } });
    expect(both.find((r) => r !== active)!.body.access).toEqual({ vpnAccounts: ['alice'] });
    expect((await call('GET', `/v1/bookings/${id}`, as('alice'))).body.access).toEqual({ vpnAccounts: ['alice'] });
    expect((active.body.hosts as { steps: { status: string }[] }[])[0]!.steps.every((s) => s.status === 'done')).toBe(true);
    expect(await listedIds(`state=active&project=${project}`, as('alice'), true)).toEqual([id]);

    const end = new Date(Date.now() + 2 * 3_600_000).toISOString();
    expect(await call('POST', `/v1/bookings/${id}/extend`, as('alice'), { end })).toEqual({ status: 200, body: { end } });
    await watchUntil('extended', events, as('alice'));

    // The other project's user and the dashboard, while the booking is active.
    await otherProjectGetsNothing();
    await dashboardActsForItsUsers();
    await noTokenGets401();

    expect((await call('DELETE', `/v1/bookings/${id}`, as('alice'))).status).toBe(202);
    await watchUntil('state:released', events, as('alice'));
    expect((await call('GET', `/v1/bookings/${id}`, as('alice'))).body.state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);
    expect(await listedIds(`state=released&owner=alice&project=${project}`, as('alice'), true)).toEqual([id]);
  });

  async function otherProjectGetsNothing(): Promise<void> {
    const unknown = `nothing-${suffix}`;
    const probes: [method: 'GET' | 'POST' | 'DELETE', path: string, body?: object][] = [
      ['GET', ''],
      ['GET', '/events'],
      ['POST', '/extend', { end: new Date(Date.now() + 5 * 3_600_000).toISOString() }],
      ['DELETE', ''],
    ];
    for (const [method, path, body] of probes) {
      const theirs = await call(method, `/v1/bookings/${id}${path}`, as('bob'), body);
      const nobody = await call(method, `/v1/bookings/${unknown}${path}`, as('bob'), body);
      // Exactly what a booking that does not exist answers, but for the id.
      expect([theirs.status, theirs.body], `${method} ${path}`).toEqual([404, { error: { type: 'BookingNotFound', message: `no booking ${id}` } }]);
      expect(nobody.body).toEqual({ error: { type: 'BookingNotFound', message: `no booking ${unknown}` } });
    }
    expect(await listedIds(`project=${project}`, as('bob'), false)).toEqual([]);
    expect(await listedIds('state=active', as('bob'), false)).not.toContain(id);
    const intruder = await call('POST', '/v1/bookings', as('bob'), { ...request(), id: `intrude-${suffix}`, owner: 'bob' });
    expect([intruder.status, intruder.body]).toEqual([403, { error: { type: 'NotAMember', message: `bob is not a member of project ${project}` } }]);
    expect((await call('POST', `/v1/bookings/${id}/retry`, as('alice'), { action: 'retry' })).status).toBe(403);
    // The booking is untouched: still active, still alice's extended end.
    expect((await call('GET', `/v1/bookings/${id}`, as('alice'))).body.state).toBe('active');
  }

  async function dashboardActsForItsUsers(): Promise<void> {
    expect((await call('GET', `/v1/bookings/${id}`, as('dashboard', 'alice'))).status).toBe(200);
    expect((await call('GET', `/v1/bookings/${id}`, as('dashboard', 'bob'))).status).toBe(404);
    expect((await call('GET', `/v1/bookings/${id}`, as('dashboard'))).status).toBe(200);
    expect(await listedIds(`project=${project}`, as('dashboard', 'alice'), true)).toEqual([id]);
    expect(await listedIds(`project=${project}`, as('dashboard', 'bob'), false)).toEqual([]);
  }

  async function noTokenGets401(): Promise<void> {
    for (const [method, url] of [
      ['GET', '/v1/bookings'],
      ['GET', `/v1/bookings/${id}`],
      ['GET', `/v1/bookings/${id}/events`],
      ['DELETE', `/v1/bookings/${id}`],
    ] as const) {
      expect((await call(method, url, {})).status, `${method} ${url}`).toBe(401);
    }
    expect((await call('POST', `/v1/bookings/${id}/extend`, {}, { end: new Date(Date.now() + 9 * 3_600_000).toISOString() })).status).toBe(401);
  }

  it('recorded every change with who, what, when and how it ended', async () => {
    const rows = (await listAudit(env.database.db, { subject: id })).reverse();
    const mine = rows.filter((r) => r.actor === 'alice').map((r) => [r.action, r.status, r.outcome]);
    expect(mine).toEqual([
      ['booking.create', 201, 'ok'],
      ['booking.credentials', 200, 'ok'],
      ['booking.extend', 200, 'ok'],
      ['booking.retry', 403, 'refused'],
      ['booking.release', 202, 'ok'],
    ]);
    const bobs = rows.filter((r) => r.actor === 'bob').map((r) => [r.action, r.outcome, r.error_type]);
    expect(bobs).toEqual([
      ['booking.extend', 'refused', 'BookingNotFound'],
      ['booking.release', 'refused', 'BookingNotFound'],
    ]);
    expect(rows.filter((r) => r.actor === 'anonymous').map((r) => r.action)).toEqual(['booking.release', 'booking.extend']);
    expect(rows.every((r) => r.at instanceof Date && r.request_id)).toBe(true);
  });
});
