import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './database';
import { DuplicateError, IllegalStateError, NotFoundError, pgCode, PG_UNIQUE_VIOLATION } from './errors';
import { checkLabel } from './labels';
import { hashPassword, verifyPassword } from './passwords';
import { getProject } from './projects';
import type { UserRow } from './tables/users';
import { transact } from './transact';

export interface UserView {
  name: string;
  isAdmin: boolean;
  projects: string[];
}

export async function createUser(db: Kysely<Database>, name: string, password: string | null, isAdmin = false): Promise<void> {
  checkLabel('user', name);
  const password_hash = password === null ? null : await hashPassword(password);
  try {
    await db.insertInto('users').values({ name, password_hash, is_admin: isAdmin }).execute();
  } catch (err) {
    if (pgCode(err) === PG_UNIQUE_VIOLATION) throw new DuplicateError(`User ${name} already exists.`, { user: name });
    throw err;
  }
}

export async function getUser(db: Kysely<Database>, name: string): Promise<UserRow> {
  const user = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
  if (!user) throw new NotFoundError(`User ${name} does not exist.`, { user: name });
  return user;
}

export async function deleteUser(db: Kysely<Database>, name: string): Promise<void> {
  const result = await db.deleteFrom('users').where('name', '=', name).executeTakeFirst();
  if (result.numDeletedRows === 0n) throw new NotFoundError(`User ${name} does not exist.`, { user: name });
}

export async function setUserPassword(db: Kysely<Database>, name: string, password: string): Promise<void> {
  const user = await getUser(db, name);
  await db.updateTable('users').set({ password_hash: await hashPassword(password) }).where('id', '=', user.id).execute();
}

/** HIL: nobody changes their own administrator flag (an administrator cannot lock themselves out). */
export async function setUserAdmin(db: Kysely<Database>, name: string, isAdmin: boolean, caller?: string): Promise<void> {
  const user = await getUser(db, name);
  if (caller === name) throw new IllegalStateError('Cannot set own admin status', { user: name });
  await db.updateTable('users').set({ is_admin: isAdmin }).where('id', '=', user.id).execute();
}

export async function listUsers(db: Kysely<Database>): Promise<UserView[]> {
  const users = await db.selectFrom('users').select(['id', 'name', 'is_admin']).orderBy('name').execute();
  const memberships = await db
    .selectFrom('user_projects')
    .innerJoin('projects', 'projects.id', 'user_projects.project_id')
    .select(['user_projects.user_id', 'projects.name'])
    .orderBy('projects.name')
    .execute();
  return users.map((u) => ({ name: u.name, isAdmin: u.is_admin, projects: memberships.filter((m) => m.user_id === u.id).map((m) => m.name) }));
}

export async function addUserToProject(db: Kysely<Database>, name: string, projectName: string): Promise<void> {
  await transact(db, async (trx) => {
    const user = await getUser(trx, name);
    const project = await getProject(trx, projectName);
    const row = await trx
      .insertInto('user_projects')
      .values({ user_id: user.id, project_id: project.id })
      .onConflict((oc) => oc.columns(['user_id', 'project_id']).doNothing())
      .returning('user_id')
      .executeTakeFirst();
    if (!row) throw new DuplicateError(`User ${name} is already in project ${projectName}`, { user: name, project: projectName });
  });
}

export async function removeUserFromProject(db: Kysely<Database>, name: string, projectName: string): Promise<void> {
  await transact(db, async (trx) => {
    const user = await getUser(trx, name);
    const project = await getProject(trx, projectName);
    const result = await trx.deleteFrom('user_projects').where('user_id', '=', user.id).where('project_id', '=', project.id).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new NotFoundError(`User ${name} is not in project ${projectName}`, { user: name, project: projectName });
  });
}

export interface AuthenticatedUser {
  id: number;
  name: string;
  isAdmin: boolean;
  projects: string[];
}

async function withProjects(db: Kysely<Database>, user: Pick<UserRow, 'id' | 'name' | 'is_admin'>): Promise<AuthenticatedUser> {
  const projects = await db
    .selectFrom('user_projects')
    .innerJoin('projects', 'projects.id', 'user_projects.project_id')
    .select('projects.name')
    .where('user_projects.user_id', '=', user.id)
    .execute();
  return { id: user.id, name: user.name, isAdmin: user.is_admin, projects: projects.map((p) => p.name) };
}

let decoy: Promise<string> | undefined;
function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/** Remembers passwords already proven against a stored hash, so repeated logins skip scrypt. */
export interface VerifiedPasswords {
  has(key: string): boolean;
  add(key: string): void;
}

/** The user when the password is theirs, else null (unknown users and wrong passwords look the same). */
export async function checkUserPassword(db: Kysely<Database>, name: string, password: string, verified?: VerifiedPasswords): Promise<AuthenticatedUser | null> {
  const user = await db.selectFrom('users').select(['id', 'name', 'is_admin', 'password_hash']).where('name', '=', name).executeTakeFirst();
  if (!user?.password_hash) {
    // As slow as a real check, so the answer time does not tell which user names exist.
    await verifyPassword(password, await decoyHash());
    return null;
  }
  // Keyed by the stored hash too: a changed password makes old entries useless.
  const key = createHash('sha256').update(user.password_hash).update('\0').update(password).digest('hex');
  if (!verified?.has(key)) {
    if (!(await verifyPassword(password, user.password_hash))) return null;
    verified?.add(key);
  }
  return withProjects(db, user);
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new bearer token for the user; only its hash is stored, so this is the one time it is seen. */
export async function createApiToken(db: Kysely<Database>, name: string, label = ''): Promise<string> {
  const user = await getUser(db, name);
  const token = `laas_${randomBytes(24).toString('base64url')}`;
  await db.insertInto('api_tokens').values({ user_id: user.id, token_hash: tokenHash(token), label }).execute();
  return token;
}

export async function revokeApiTokens(db: Kysely<Database>, name: string): Promise<number> {
  const user = await getUser(db, name);
  const result = await db.deleteFrom('api_tokens').where('user_id', '=', user.id).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function userForToken(db: Kysely<Database>, token: string): Promise<AuthenticatedUser | null> {
  const user = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['users.id', 'users.name', 'users.is_admin'])
    .where('api_tokens.token_hash', '=', tokenHash(token))
    .executeTakeFirst();
  return user ? withProjects(db, user) : null;
}
