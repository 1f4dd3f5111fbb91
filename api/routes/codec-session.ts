import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from '../errors';

/**
 * The codec's browser session: a form at `<prefix>/session` takes the API token once and sets an
 * HttpOnly cookie derived from it (never the token itself), good for the codec only. A Temporal
 * UI whose codec setting includes credentials (`codec.includeCredentials`) then sends it.
 */

export const SESSION_COOKIE = 'laas_codec';
const SESSION_SECONDS = 12 * 3600;

export function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export function sessionValue(apiToken: string): string {
  return createHmac('sha256', apiToken).update('laas codec session').digest('base64url');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function sessionPage(message: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>laas codec</title></head><body>
<h1>laas payload codec</h1><p>${escapeHtml(message)}</p>
<form method="post"><label>API token <input type="password" name="token" autocomplete="off" required></label>
<button type="submit">Unlock for this browser</button></form></body></html>`;
}

/** True when the request carries the API token as a bearer, or the session cookie. */
export function authorized(request: FastifyRequest, apiToken: string): boolean {
  const header = request.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (bearer !== undefined) {
    if (sameSecret(bearer, apiToken)) return true;
    throw new ApiError(401, 'Unauthenticated', 'bearer token not recognised');
  }
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie !== undefined && sameSecret(cookie, sessionValue(apiToken));
}

export function sessionRoutes(app: FastifyInstance, apiToken: string): void {
  const path = app.prefix || '/';
  app.get('/session', (_request, reply) => reply.type('text/html; charset=utf-8').send(sessionPage("Unlock the Temporal UI's codec for this browser with the API token.")));
  app.post('/session', { schema: { body: z.object({ token: z.string().min(1, 'the API token') }) } }, (request, reply) => {
    const { token } = request.body as { token: string };
    if (!sameSecret(token, apiToken)) throw new ApiError(401, 'Unauthenticated', 'API token not recognised');
    // SameSite=Strict still reaches the API from a UI on the same site (ports and subdomains do not make sites differ).
    void reply.setCookie(SESSION_COOKIE, sessionValue(apiToken), { path, maxAge: SESSION_SECONDS, httpOnly: true, sameSite: 'strict', secure: 'auto' });
    return reply.type('text/html; charset=utf-8').send(sessionPage('This browser may now decode payloads for 12 hours, in a Temporal UI whose codec setting includes credentials.'));
  });
}
