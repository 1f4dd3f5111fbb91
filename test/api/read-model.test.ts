/**
 * Reads of bookings come from PostgreSQL: an API whose Temporal is unreachable (so no worker, no
 * query, no visibility) still answers the booking, the list and the events. Generated VPN
 * passwords are claimed from the workflow once, by the owner's first read, and never asked for again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { buildServer } from '../../api/server';
import { getBookingView, writeBookingSnapshot } from '../../db/booking-views';
import { BookingReadCache, READ_MODEL_CHANNEL } from '../../api/booking-read-cache';
import { ChangeListener } from '../../api/change-listener';
import { bookingSnapshot } from '../db/helpers/booking-snapshot';
import { createUserToken } from '../../db/api-tokens';
import { ensureLab } from '../../db/labs';
import { createProject } from '../../db/projects';
import { addUserToProject, createUser } from '../../db/users';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { until } from '../helpers/poll';

const token = `read-admin-${randomBytes(6).toString('hex')}`;
const admin = { authorization: `Bearer ${token}` };
const owner = { authorization: '' };
let env: LabWorker;
let api: FastifyInstance;
let offline: FastifyInstance;

beforeAll(async () => {
  env = await startLabWorker();
  // The owner, alice, reads with her own token: the passwords are hers only.
  const db = env.database.db;
  await ensureLab(db, env.lab.name);
  await createProject(db, 'demo');
  await createUser(db, 'alice', null);
  await addUserToProject(db, 'alice', 'demo');
  owner.authorization = `Bearer ${(await createUserToken(db, 'alice')).token}`;
  api = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: token });
  // Nothing listens on port 1: every Temporal call of this API fails.
  const nowhere = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
  offline = await buildServer({ temporal: nowhere, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: token });
});
afterAll(async () => {
  await offline?.close();
  await api?.close();
  await env?.close();
});

describe('reads from the read model', () => {
  it('answers the booking, the list and the events without Temporal, and hands the VPN password over once', async () => {
    const id = `rm-${randomBytes(4).toString('hex')}`;
    const body = {
      id,
      project: 'demo',
      owner: 'alice',
      end: new Date(Date.now() + 3_600_000).toISOString(),
      networks: [{ name: 'public', public: true }],
      hosts: [{ name: 'sim-01', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public' }] } }],
      access: { sshKeys: [], vpnUsers: ['alice'] },
    };
    const created = await api.inject({ method: 'POST', url: '/v1/bookings', headers: admin, payload: body });
    expect([201, 202]).toContain(created.statusCode);
    const get = (app: FastifyInstance) => app.inject({ method: 'GET', url: `/v1/bookings/${id}`, headers: owner });
    // Watched in the database: a read by the owner would claim the password.
    await until(() => getBookingView(env.database.db, id), (v) => v?.state === 'active');

    // The owner's first read claims the password from the workflow (that read needs Temporal);
    // later reads do not ask again, so they need neither Temporal nor a worker.
    const first = await get(api);
    expect(first.json<{ access: { vpnPasswords?: Record<string, string> } }>().access.vpnPasswords?.alice).toMatch(/^.{12,}$/);
    const again = await get(offline);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ id, state: 'active', hosts: [{ name: 'sim-01', loginUser: 'root', ssh: 'ssh root@sim-01', image: 'ubuntu-22.04' }] });
    expect(again.json<{ access: Record<string, unknown> }>().access).toEqual({ vpnAccounts: ['alice'] });

    const list = await offline.inject({ method: 'GET', url: '/v1/bookings?project=demo&state=active', headers: admin });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json<{ bookings: { id: string }[] }>().bookings.map((b) => b.id)).toContain(id);
    const events = await offline.inject({ method: 'GET', url: `/v1/bookings/${id}/events`, headers: admin });
    expect(events.statusCode).toBe(200);
    const kinds = events.json<{ events: { kind: string; host?: string; step?: string }[] }>().events;
    expect(kinds).toContainEqual(expect.objectContaining({ kind: 'step:done', host: 'sim-01', step: 'imaging' }));

    // A booking neither the read model nor Temporal knows: 404 from the API with Temporal.
    expect((await api.inject({ method: 'GET', url: '/v1/bookings/nope-nope', headers: admin })).statusCode).toBe(404);
    expect((await api.inject({ method: 'DELETE', url: `/v1/bookings/${id}`, headers: admin })).statusCode).toBe(202);
  });

  it('with the read cache, answers a polled booking from memory as the same JSON until it changes', async () => {
    // The test hears the read model's notifications after the cache has (subscribed after it):
    // other bookings' changes go on meanwhile, so the last one heard need not be this booking's.
    const changes = new ChangeListener(env.database.url, [READ_MODEL_CHANNEL]);
    const cache = new BookingReadCache(env.database.db, changes);
    const heard = new Set<string>();
    changes.subscribe({ changed: (_channel, payload) => void heard.add(payload), lost: () => undefined });
    await changes.start();
    const cached = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: token, readCache: cache });
    try {
      const id = `rc-${randomBytes(4).toString('hex')}`;
      await writeBookingSnapshot(env.database.db, id, 'run', { ...bookingSnapshot(1, 'scheduled'), lab: env.lab.name });
      const get = () => cached.inject({ method: 'GET', url: `/v1/bookings/${id}`, headers: admin });
      // Its notification heard first: it would drop what the next read keeps.
      expect(await until(() => Promise.resolve(heard.has(`view:${id}`)), Boolean, 10_000)).toBe(true);
      const first = await get();
      expect(first.statusCode, first.body).toBe(200);
      expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(first.json()).toMatchObject({ id, state: 'scheduled', project: 'demo' });
      const hits = cache.lookups.booking.hit;
      const again = await get();
      expect(cache.lookups.booking.hit).toBe(hits + 1);
      expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(again.body).toBe(first.body);
      // A change to the booking is in the next read once PostgreSQL has told the cache.
      await writeBookingSnapshot(env.database.db, id, 'run', { ...bookingSnapshot(2, 'provisioning'), lab: env.lab.name });
      expect((await until(get, (r) => r.json<{ state: string }>().state === 'provisioning')).statusCode).toBe(200);
    } finally {
      await cached.close();
      await cache.close();
      await changes.close();
    }
  });
});
