import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../api/server';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';

// The OpenAPI document, readable in a browser at /docs, with examples to copy.

let env: LabWorker;
let api: FastifyInstance;
beforeAll(async () => {
  env = await startLabWorker();
  api = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: 'swagger-token-0123456789' });
});
afterAll(async () => {
  await api?.close();
  await env?.close();
});

describe('Swagger UI', () => {
  it('serves the UI at /docs without a token, on the same document as /v1/openapi.json, with examples', async () => {
    const page = await api.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('swagger-ui');
    const shown = (await api.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: object; components: { schemas: Record<string, { example?: unknown }> } }>();
    const served = (await api.inject({ method: 'GET', url: '/v1/openapi.json' })).json<{ paths: object }>();
    expect(Object.keys(shown.paths)).toEqual(Object.keys(served.paths));
    for (const schema of ['CreateBookingInput', 'BookingAdmitted', 'LabHost', 'Availability', 'Lab']) {
      expect(shown.components.schemas[schema]?.example, schema).toBeDefined();
    }
  });
});
