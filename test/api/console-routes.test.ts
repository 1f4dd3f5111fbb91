import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildServer } from '../../api/server';
import { createProject } from '../../db/projects';
import { addUserToProject, createUser } from '../../db/users';
import { createUserToken } from '../../db/api-tokens';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { ensureConsoleBuilt } from '../helpers/browser';

// What the lab console needs of the API besides the booking routes: who a token is, and the page itself.
const token = `console-routes-${randomBytes(12).toString('hex')}`;
let env: LabWorker;
let api: FastifyInstance;

beforeAll(async () => {
  ensureConsoleBuilt();
  env = await startLabWorker();
  api = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: token });
});
afterAll(async () => {
  await api?.close();
  await env?.close();
});

describe('GET /v1/me', () => {
  it('names the caller, whether it is an operator, and the projects it sees', async () => {
    const admin = await api.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(admin.json()).toEqual({ name: 'admin', kind: 'admin', operator: true, projects: null });
    await createProject(env.database.db, 'blue');
    await createProject(env.database.db, 'green');
    await createUser(env.database.db, 'carol', null);
    await addUserToProject(env.database.db, 'carol', 'green');
    await addUserToProject(env.database.db, 'carol', 'blue');
    const carol = (await createUserToken(env.database.db, 'carol')).token;
    const user = await api.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${carol}` } });
    expect(user.json()).toEqual({ name: 'carol', kind: 'user', operator: false, projects: ['blue', 'green'] });
    expect((await api.inject({ method: 'GET', url: '/v1/me' })).statusCode).toBe(401);
  });
});

describe('the console page', () => {
  it('is served at /console/ without a token, from this origin only, and /console redirects to it', async () => {
    const page = await api.inject({ method: 'GET', url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const bundle = await api.inject({ method: 'GET', url: script! });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body).toContain('/v1');
    expect((await api.inject({ method: 'GET', url: '/console' })).headers.location).toBe('/console/');
  });
});
