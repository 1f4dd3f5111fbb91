import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm run setup` builds the lab console (console/, Vite). */
export const CONSOLE_DIST = join(import.meta.dirname, '..', 'console', 'dist');

/**
 * The lab console at /console/: a static single-page app that reads /v1 with the token its user
 * types in, so it is served without one (it holds no data). Hash routes: the server only ever
 * serves the built files. Not built yet: a page saying how to build it.
 */
export async function serveConsole(app: FastifyInstance, dir = CONSOLE_DIST): Promise<void> {
  app.get('/console', (_request, reply) => reply.redirect('/console/'));
  if (!existsSync(join(dir, 'index.html'))) {
    app.get('/console/', (_request, reply) => reply.status(503).type('text/plain').send('The lab console is not built: run `npm run setup` (it builds console/ into console/dist).\n'));
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/console/',
    index: 'index.html',
    // Hashed asset names change with every build; the page itself is always asked again.
    setHeaders: (res, path) => {
      res.header('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
      // Everything the page loads or calls is this server's: no CDN, no other origin, no framing.
      if (path.endsWith('.html')) res.header('content-security-policy', "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    },
  });
}
