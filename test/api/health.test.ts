import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../api/server';
import { loadLab } from '../../config/load-lab';
import { connect } from '../../db/connection';
import { testPort } from '../helpers/ports';
import { simLabFile } from '../helpers/lab-worker';
import { createTempDatabase, type TempDatabase } from '../db/helpers/temp-database';

let database: TempDatabase;
let connection: Connection;
const servers: FastifyInstance[] = [];

beforeAll(async () => {
  database = await createTempDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await connection?.close();
  await database?.drop();
});

async function api(db = database.db): Promise<FastifyInstance> {
  const app = await buildServer({ temporal: new Client({ connection }), db, lab: loadLab(simLabFile), taskQueue: 'laas-sim', apiToken: 'health-token-0123456789' });
  servers.push(app);
  return app;
}

describe('health, readiness and metrics', () => {
  it('is healthy and ready with Temporal and PostgreSQL up, and serves Prometheus text', async () => {
    const app = await api();
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { temporal: 'ok', postgres: 'ok' } });
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/^# HELP laas_api_process_cpu_user_seconds_total/m);
  });

  it('is healthy but not ready when PostgreSQL does not answer, naming it', async () => {
    const unreachable = connect(`postgres://postgres@127.0.0.1:${await testPort()}/nowhere`, { max: 1 });
    const app = await api(unreachable);
    try {
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
      const ready = await app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'unavailable', checks: { temporal: 'ok', postgres: expect.stringMatching(/^PostgreSQL: /) as string } });
    } finally {
      await unreachable.destroy();
    }
  });
});
