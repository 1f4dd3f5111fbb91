import type { FastifyInstance, FastifyRequest } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import { ApiError } from './errors';

function sameSecret(a: string, b: string): boolean {
  // Compare digests so the comparison takes the same time whatever the lengths.
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** Every route but the public ones needs `Authorization: Bearer <LAAS_API_TOKEN>`. */
export function installBearerAuth(app: FastifyInstance, token: string, publicPaths: string[]): void {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const path = request.url.split('?')[0]!;
    if (publicPaths.includes(path)) return;
    const header = request.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
    if (!given) throw new ApiError(401, 'Unauthenticated', 'missing bearer token (Authorization: Bearer <token>)');
    if (!sameSecret(given, token)) throw new ApiError(401, 'Unauthenticated', 'bearer token not recognised');
    return Promise.resolve();
  });
}
