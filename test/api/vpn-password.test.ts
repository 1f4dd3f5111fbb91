import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildServer } from '../../api/server';
import { createUserToken } from '../../db/api-tokens';
import { ensureLab } from '../../db/labs';
import { createProject } from '../../db/projects';
import { addUserToProject, createUser } from '../../db/users';
import { SimDirectory } from '../../sim/lab/drivers';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';

// The generated VPN password is the owner's: an administrator polling the booking (as the README's
// loop does) leaves it for the owner, and the owner can have a new one issued in the directory.

const suffix = randomBytes(3).toString('hex');
const project = `vpn-${suffix}`;
const id = `vpn-${suffix}`;
const adminToken = `admin-${randomBytes(12).toString('hex')}`;
let env: LabWorker;
let api: FastifyInstance;
const token: Record<string, string> = {};

beforeAll(async () => {
  env = await startLabWorker();
  const db = env.database.db;
  await ensureLab(db, env.lab.name);
  await createProject(db, project);
  for (const user of ['alice', 'carol']) {
    await createUser(db, user, null);
    await addUserToProject(db, user, project);
    token[user] = (await createUserToken(db, user)).token;
  }
  token.admin = adminToken;
  api = await buildServer({ temporal: env.client, db, lab: env.lab, taskQueue: env.taskQueue, apiToken: adminToken });
});
afterAll(async () => {
  await api?.close();
  await env?.close();
});

async function call(who: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  const res = await api.inject({ method, url, headers: { authorization: `Bearer ${token[who]}` }, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json<Record<string, unknown> & { access?: Record<string, unknown>; error?: { type: string } }>() };
}

describe('VPN passwords', () => {
  it('reach the owner after an administrator has read the booking; a reset one binds and the old one does not', async () => {
    const created = await call('alice', 'POST', '/v1/bookings', {
      id,
      project,
      owner: 'alice',
      end: new Date(Date.now() + 3_600_000).toISOString(),
      networks: [{ name: 'public', public: true }],
      hosts: [{ name: 'sim-01', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public' }] } }],
      access: { vpnUsers: ['alice'] },
    });
    expect(created.status).toBe(201);
    // The administrator polls until active, as the README's loop does.
    await expect.poll(async () => (await call('admin', 'GET', `/v1/bookings/${id}`)).body.state, { timeout: 60_000, interval: 200 }).toBe('active');
    expect((await call('admin', 'GET', `/v1/bookings/${id}`)).body.access).toEqual({ vpnAccounts: ['alice'] });

    const owner = await call('alice', 'GET', `/v1/bookings/${id}`);
    const first = (owner.body.access!.vpnPasswords as Record<string, string>).alice!;
    const directory = new SimDirectory(env.simLab);
    expect(await directory.checkBind('alice', first)).toBe(true);
    // Handed over once: an explicit request afterwards has nothing to hand over.
    const again = await call('admin', 'POST', `/v1/bookings/${id}/vpn-password`, {});
    expect(again.status).toBe(409);
    expect(again.body.error!.type).toBe('NoPasswordToDeliver');

    // Only the owner resets it.
    const teammate = await call('carol', 'POST', `/v1/bookings/${id}/vpn-password/reset`, {});
    expect(teammate.status).toBe(403);
    const reset = await call('alice', 'POST', `/v1/bookings/${id}/vpn-password/reset`, {});
    expect(reset.status).toBe(200);
    const fresh = (reset.body.vpnPasswords as Record<string, string>).alice!;
    expect(fresh).not.toBe(first);
    expect(await directory.checkBind('alice', fresh)).toBe(true);
    expect(await directory.checkBind('alice', first)).toBe(false);
    const unknown = await call('alice', 'POST', `/v1/bookings/${id}/vpn-password/reset`, { users: ['mallory'] });
    expect(unknown.status).toBe(409);

    expect((await call('alice', 'DELETE', `/v1/bookings/${id}`)).status).toBe(202);
  });

  it('go to an explicit request of an administrator, once', async () => {
    const other = `${id}-b`;
    const created = await call('admin', 'POST', '/v1/bookings', {
      id: other,
      project,
      owner: 'carol',
      end: new Date(Date.now() + 3_600_000).toISOString(),
      networks: [{ name: 'public', public: true }],
      hosts: [{ name: 'sim-02', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public' }] } }],
      access: { vpnUsers: ['carol'] },
    });
    expect(created.status).toBe(201);
    await expect.poll(async () => (await call('admin', 'GET', `/v1/bookings/${other}`)).body.state, { timeout: 60_000, interval: 200 }).toBe('active');
    expect((await call('alice', 'POST', `/v1/bookings/${other}/vpn-password`, {})).status).toBe(403);
    const claimed = await call('admin', 'POST', `/v1/bookings/${other}/vpn-password`, {});
    expect(claimed).toEqual({ status: 200, body: { vpnPasswords: { carol: env.simLab.accounts.get('carol')!.password } } });
    expect((await call('carol', 'GET', `/v1/bookings/${other}`)).body.access).toEqual({ vpnAccounts: ['carol'] });
    await call('admin', 'DELETE', `/v1/bookings/${other}`);
  });
});
