import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Where the document is served: public, so dashboard developers can read it without a token. */
export const OPENAPI_PATH = '/v1/openapi.json';

export const API_VERSION = '1.0.0';

/**
 * The OpenAPI 3.1 document of /v1, generated from the zod schemas the routes validate and
 * serialize with: it cannot drift from what the server checks. /v0 (HIL), /codec and /healthz
 * are other audiences' and stay out of it.
 */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'laas booking API',
        version: API_VERSION,
        description:
          'Book bare-metal hosts of a lab for a time window. A booking is carried out (power, imaging, switch ports, network files, access, headnode), kept for its lease, and undone at the end. Every error answers `{ "error": { "type", "message", "details"? } }`; bodies are JSON only.',
      },
      tags: [
        { name: 'bookings', description: 'What dashboards and users do' },
        { name: 'lab', description: 'What the lab has and what is free: for a dashboard to offer it' },
        { name: 'operators', description: 'Administrators only: decisions on held bookings and failed undos' },
        { name: 'meta', description: 'This document' },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A token from `laas tokens create` (user, administrator or dashboard), or the configured LAAS_API_TOKEN',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: (doc) => (doc.url.startsWith('/v1/') ? jsonSchemaTransform(doc) : { schema: { hide: true }, url: doc.url }),
    transformObject: (doc) => withoutUnusedSchemas(jsonSchemaTransformObject(doc)),
  });
  // The same document, to read and try in a browser (paste a token under Authorize): no token needed to read it.
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true, persistAuthorization: false } });
}

interface OpenApiDocument {
  paths?: unknown;
  components?: { schemas?: Record<string, unknown> };
}

/**
 * The transform lists every named zod schema twice (as input and output); a reader wants the
 * ones the routes use. Keeps the components reachable from the paths, following references.
 */
function withoutUnusedSchemas<T extends object>(document: T): T {
  const doc = document as OpenApiDocument;
  const schemas = doc.components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        const name = value.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(value);
    }
  };
  visit(doc.paths);
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...doc, components: { ...doc.components, schemas: kept } } as T;
}

/** `GET /v1/openapi.json`, registered inside /v1. */
export const openApiRoute: FastifyPluginAsyncZod = (v1) => {
  v1.get(
    '/openapi.json',
    {
      config: { public: true },
      schema: {
        summary: 'This OpenAPI document',
        tags: ['meta'],
        security: [],
        response: { 200: z.record(z.string(), z.unknown()).describe('An OpenAPI 3.1 document') },
      },
    },
    () => v1.swagger() as unknown as Record<string, unknown>,
  );
  return Promise.resolve();
};
