import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import { BadArgumentError, NotFoundError } from './errors';
import { getLab } from './labs';
import type { ApiTokenKind } from './tables/api-tokens';
import { getUser } from './users';

/**
 * Bearer tokens of the booking API (and, for users, of HIL's /v0). Only a token's SHA-256 is
 * stored, so a token is seen once, when it is created; revoking deletes the row, so nothing
 * that checks tokens can forget to look at a revocation flag.
 */

export interface IssuedToken {
  id: number;
  /** The secret itself: shown once, never stored. */
  token: string;
}

export interface TokenView {
  id: number;
  kind: ApiTokenKind;
  /** The user a user token acts as. */
  user: string | null;
  /** Whether that user is an administrator (so the token is an administrator's). */
  admin: boolean;
  /** The lab a dashboard token serves. */
  lab: string | null;
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Who a presented token speaks for. */
export type TokenHolder =
  | { tokenId: number; kind: 'user'; user: MemberUser }
  | { tokenId: number; kind: 'dashboard'; lab: string; label: string };

export interface MemberUser {
  name: string;
  isAdmin: boolean;
  projects: string[];
}

/** Same digest as db/users.ts, so a user's token works on the booking API and on HIL's /v0 alike. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function newToken(): string {
  return `laas_${randomBytes(32).toString('base64url')}`;
}

function checkTokenLabel(label: string): string {
  // Labels are shown in tables and audit lines: one short printable line.
  if (label.length > 100 || /[\p{Cc}]/u.test(label)) throw new BadArgumentError('a token label is one line of at most 100 characters', { what: 'label' });
  return label;
}

export async function createUserToken(db: Kysely<Database>, userName: string, label = ''): Promise<IssuedToken> {
  const user = await getUser(db, userName);
  const token = newToken();
  const row = await db
    .insertInto('api_tokens')
    .values({ user_id: user.id, kind: 'user', token_hash: tokenDigest(token), label: checkTokenLabel(label) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

/** A dashboard's token: it acts for the users of `lab` (named per request, or by a booking's owner). */
export async function createDashboardToken(db: Kysely<Database>, lab: string, label = ''): Promise<IssuedToken> {
  await getLab(db, lab);
  const token = newToken();
  const row = await db
    .insertInto('api_tokens')
    .values({ user_id: null, kind: 'dashboard', lab, token_hash: tokenDigest(token), label: checkTokenLabel(label) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

export async function listApiTokens(db: Kysely<Database>, filter: { user?: string; lab?: string } = {}): Promise<TokenView[]> {
  let query = db
    .selectFrom('api_tokens')
    .leftJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['api_tokens.id', 'api_tokens.kind', 'users.name as user', 'users.is_admin', 'api_tokens.lab', 'api_tokens.label', 'api_tokens.created_at', 'api_tokens.last_used_at'])
    .orderBy('api_tokens.id');
  if (filter.user !== undefined) query = query.where('users.name', '=', filter.user);
  if (filter.lab !== undefined) query = query.where('api_tokens.lab', '=', filter.lab);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    user: r.user,
    admin: r.is_admin ?? false,
    lab: r.lab,
    label: r.label,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  }));
}

/** Revokes one token by its id; answers what it was, so the caller can say so. */
export async function revokeApiToken(db: Kysely<Database>, id: number): Promise<TokenView> {
  const [view] = (await listApiTokens(db)).filter((t) => t.id === id);
  if (!view) throw new NotFoundError(`there is no token ${id}`, { token: id });
  const result = await db.deleteFrom('api_tokens').where('id', '=', id).executeTakeFirst();
  if (result.numDeletedRows === 0n) throw new NotFoundError(`there is no token ${id}`, { token: id });
  return view;
}

/** A user with the names of its projects, or null when there is no such user. */
export async function memberUser(db: Kysely<Database>, name: string): Promise<MemberUser | null> {
  const user = await db.selectFrom('users').select(['id', 'name', 'is_admin']).where('name', '=', name).executeTakeFirst();
  if (!user) return null;
  const projects = await db
    .selectFrom('user_projects')
    .innerJoin('projects', 'projects.id', 'user_projects.project_id')
    .select('projects.name')
    .where('user_projects.user_id', '=', user.id)
    .orderBy('projects.name')
    .execute();
  return { name: user.name, isAdmin: user.is_admin, projects: projects.map((p) => p.name) };
}

/** Who holds `token`, or null for an unknown (or revoked) token. Marks the token used. */
export async function tokenHolder(db: Kysely<Database>, token: string): Promise<TokenHolder | null> {
  return tokenHolderByDigest(db, tokenDigest(token));
}

/** `tokenHolder` for a token's digest (`tokenDigest`): who holds it, or null; marks the token used. */
export async function tokenHolderByDigest(db: Kysely<Database>, digest: string): Promise<TokenHolder | null> {
  const holder = await findTokenHolder(db, digest);
  if (holder) await markTokenUsed(db, holder.tokenId);
  return holder;
}

/** Who holds the token of this digest (`tokenDigest`), or null; changes nothing. */
async function findTokenHolder(db: Kysely<Database>, digest: string): Promise<TokenHolder | null> {
  const row = await db
    .selectFrom('api_tokens')
    .leftJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['api_tokens.id', 'api_tokens.kind', 'api_tokens.lab', 'api_tokens.label', 'users.name as user'])
    .where('api_tokens.token_hash', '=', digest)
    .executeTakeFirst();
  if (!row) return null;
  if (row.kind === 'dashboard') return { tokenId: row.id, kind: 'dashboard', lab: row.lab!, label: row.label };
  const user = row.user === null ? null : await memberUser(db, row.user);
  return user ? { tokenId: row.id, kind: 'user', user } : null;
}

/** The token was used now: written at most once a minute per token, enough to find unused tokens and cheap on busy ones. */
export async function markTokenUsed(db: Kysely<Database>, tokenId: number): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', tokenId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
    .execute();
}
