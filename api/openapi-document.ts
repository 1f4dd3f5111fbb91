import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Lab } from '../config/lab';
import type { Database } from '../db/database';
import { buildServer } from './server';

export interface OpenApiOperation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { in: string; name: string; required?: boolean; description?: string; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
}

/**
 * The document the server serves at /v1/openapi.json, built without Temporal or a database:
 * building the routes touches neither, and nothing here is called.
 */
export async function openApiDocument(): Promise<OpenApiDocument> {
  const app = await buildServer({
    temporal: {} as Client,
    db: {} as Kysely<Database>,
    lab: { name: 'docs' } as Lab,
    taskQueue: 'docs',
    apiToken: randomBytes(16).toString('hex'),
  });
  try {
    await app.ready();
    return app.swagger() as unknown as OpenApiDocument;
  } finally {
    await app.close();
  }
}
