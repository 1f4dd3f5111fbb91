import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { timingSafeEqual } from 'node:crypto';
import type { Database } from '../../db/database';
import { memberUser, tokenDigest, tokenHolderByDigest, type MemberUser, type TokenHolder } from '../../db/api-tokens';
import type { TokenCache } from './token-cache';
import { ApiError } from '../errors';
import type { Member, Principal } from './principal';

export interface AuthenticationDeps {
  db: Kysely<Database>;
  /** The lab this API serves: a dashboard's token works only on its own lab's API. */
  lab: string;
  /** LAAS_API_TOKEN: the development administrator. */
  adminToken: string;
  /** Token holders kept in memory until PostgreSQL says access changed; every request queries without. */
  tokens?: TokenCache | undefined;
}

/** Routes marked `config: { public: true }` need no token (the OpenAPI document). */
declare module 'fastify' {
  interface FastifyContextConfig {
    public?: boolean;
  }
}

export const ON_BEHALF_OF = 'x-on-behalf-of';
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const principals = new WeakMap<FastifyRequest, Principal>();

/** The authenticated caller of a /v1 route (set by the hook before any handler runs). */
export function principalOf(request: FastifyRequest): Principal {
  const p = principals.get(request);
  if (!p) throw new ApiError(401, 'Unauthenticated', 'missing bearer token (Authorization: Bearer <token>)');
  return p;
}

/** The caller if it authenticated (the audit also records refused, anonymous calls). */
export function maybePrincipalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

function member(u: MemberUser): Member {
  return { name: u.name, isAdmin: u.isAdmin, projects: new Set(u.projects) };
}

/** `Authorization: Bearer <token>` on every route but the public ones; the caller is kept for the handlers. */
export function installAuthentication(app: FastifyInstance, deps: AuthenticationDeps): void {
  const lookup = lookups(deps);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    const header = request.headers.authorization;
    // The scheme is case-insensitive (RFC 7235): Bearer, bearer, BEARER.
    const given = header ? (/^bearer[ \t]+(.+)$/is.exec(header)?.[1]?.trim() ?? null) : null;
    if (!given) throw new ApiError(401, 'Unauthenticated', 'missing bearer token (Authorization: Bearer <token>)');
    const principal = await resolve(deps, lookup, given);
    principals.set(request, await withOnBehalfOf(lookup, principal, request.headers[ON_BEHALF_OF]));
  });
}

interface Lookups {
  /** LAAS_API_TOKEN's digest, as `tokenDigest` gives it. */
  adminDigest: Buffer;
  holder(digest: string): Promise<TokenHolder | null>;
  member(name: string): Promise<MemberUser | null>;
}

/** Where tokens and users are looked up: the cache when there is one, PostgreSQL every time otherwise. */
function lookups(deps: AuthenticationDeps): Lookups {
  const adminDigest = Buffer.from(tokenDigest(deps.adminToken));
  const cache = deps.tokens;
  if (cache) return { adminDigest, holder: (digest) => cache.holder(digest), member: (name) => cache.member(name) };
  return { adminDigest, holder: (digest) => tokenHolderByDigest(deps.db, digest), member: (name) => memberUser(deps.db, name) };
}

async function resolve(deps: AuthenticationDeps, lookup: Lookups, token: string): Promise<Principal> {
  // Digests are compared, so the comparison takes the same time whatever the lengths; the same digest finds a stored token.
  const digest = tokenDigest(token);
  if (timingSafeEqual(Buffer.from(digest), lookup.adminDigest)) return { kind: 'admin', name: 'admin', tokenId: null };
  const holder = await lookup.holder(digest);
  if (!holder) throw new ApiError(401, 'Unauthenticated', 'bearer token not recognised');
  if (holder.kind === 'dashboard') {
    if (holder.lab !== deps.lab) throw new ApiError(403, 'WrongLab', `this dashboard token is for lab ${holder.lab}; this API serves lab ${deps.lab}`);
    return { kind: 'dashboard', name: `dashboard#${holder.tokenId}`, tokenId: holder.tokenId, lab: holder.lab, actingFor: null };
  }
  if (holder.user.isAdmin) return { kind: 'admin', name: holder.user.name, tokenId: holder.tokenId };
  return { kind: 'user', name: holder.user.name, tokenId: holder.tokenId, member: member(holder.user) };
}

async function withOnBehalfOf(lookup: Lookups, p: Principal, header: string | string[] | undefined): Promise<Principal> {
  if (header === undefined) return p;
  if (p.kind !== 'dashboard') throw new ApiError(403, 'OnBehalfNotAllowed', `only a dashboard's token may act on behalf of a user (${ON_BEHALF_OF})`);
  if (typeof header !== 'string' || !USER_NAME.test(header)) {
    throw new ApiError(400, 'InvalidRequest', `${ON_BEHALF_OF}: must be one user name (letters, digits, ".", "_", "-")`);
  }
  const user = await lookup.member(header);
  if (!user) throw new ApiError(403, 'UnknownUser', `${header} is not a user of this lab`);
  return { ...p, actingFor: member(user) };
}
