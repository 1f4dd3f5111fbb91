import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthorizationError } from '../../db/errors';
import { checkUserPassword, userForToken, type VerifiedPasswords } from '../../db/users';
import type { HilDeps } from './deps';

/** Who is calling: an administrator, or a user with the projects they belong to. */
export interface Caller {
  name: string;
  isAdmin: boolean;
  projects: ReadonlySet<string>;
}

const callers = new WeakMap<FastifyRequest, Caller>();

export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (!caller) throw new AuthorizationError('authentication required');
  return caller;
}

function sameSecret(a: string, b: string): boolean {
  // Digests first, so the comparison takes as long whatever the lengths.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** A bounded set of proven password keys, forgotten after a few minutes. */
function verifiedPasswords(limit = 1000, ttlMs = 5 * 60_000): VerifiedPasswords {
  const seen = new Map<string, number>();
  return {
    has: (key) => (seen.get(key) ?? 0) > Date.now(),
    add: (key) => {
      if (seen.size >= limit) seen.delete(seen.keys().next().value!);
      seen.set(key, Date.now() + ttlMs);
    },
  };
}

const DEV_ADMIN: Caller = { name: 'admin', isAdmin: true, projects: new Set() };

/**
 * HTTP Basic (HIL's clients) and bearer tokens both authenticate. The
 * development administrator is the bearer LAAS_API_TOKEN and Basic admin /
 * LAAS_ADMIN_PASSWORD; everyone else is a row of the users table. Every call
 * needs a caller (HIL's require_authentication).
 */
export function installHilAuth(app: FastifyInstance, deps: HilDeps): void {
  const verified = verifiedPasswords();
  app.addHook('onRequest', async (request) => {
    const caller = await authenticate(request.headers.authorization, deps, verified);
    if (!caller) throw new AuthorizationError('authentication required (HTTP Basic or a bearer token)');
    callers.set(request, caller);
  });
}

async function authenticate(header: string | undefined, deps: HilDeps, verified: VerifiedPasswords): Promise<Caller | null> {
  if (!header) return null;
  const [scheme, value = ''] = header.split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer' && value) {
    if (sameSecret(value, deps.adminToken)) return DEV_ADMIN;
    const user = await userForToken(deps.db, value);
    return user ? { name: user.name, isAdmin: user.isAdmin, projects: new Set(user.projects) } : null;
  }
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) return null;
    const name = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    if (name === DEV_ADMIN.name && deps.adminPassword) return sameSecret(password, deps.adminPassword) ? DEV_ADMIN : null;
    const user = await checkUserPassword(deps.db, name, password, verified);
    return user ? { name: user.name, isAdmin: user.isAdmin, projects: new Set(user.projects) } : null;
  }
  return null;
}

export function requireAdmin(caller: Caller): void {
  if (!caller.isAdmin) throw new AuthorizationError('This operation requires administrator rights.');
}

/** An administrator, or a member of `project`; a null project (nobody's) is administrators' only. */
export function haveProjectAccess(caller: Caller, project: string | null): boolean {
  return caller.isAdmin || (project !== null && caller.projects.has(project));
}

export function requireProjectAccess(caller: Caller, project: string | null): void {
  if (!haveProjectAccess(caller, project)) {
    throw new AuthorizationError(project === null ? 'This operation requires administrator rights.' : `You do not have access to project ${project}.`);
  }
}
