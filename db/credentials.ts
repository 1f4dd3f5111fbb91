import { sql, type Kysely } from 'kysely';
import { type Keyring, seal, unseal } from './crypto';
import type { Database } from './database';
import { BadArgumentError, NotFoundError } from './errors';

/** What a device credential holds. Extra fields (e.g. an enable secret) are sealed with it. */
export interface DeviceCredential {
  username: string;
  password: string;
  [field: string]: string;
}

export const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;

function boundTo(name: string): string {
  return `laas credential ${name}`;
}

/** Creates or replaces the named credential; the value is sealed before it leaves this process. */
export async function setCredential(db: Kysely<Database>, keyring: Keyring, name: string, value: DeviceCredential): Promise<void> {
  if (!CREDENTIAL_NAME.test(name)) throw new BadArgumentError(`credential name ${JSON.stringify(name)} must be letters, digits and . _ : / @ -`, { what: 'credential' });
  for (const [field, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new BadArgumentError(`credential field ${field} must be a string`, { what: field });
  }
  const sealed = seal(keyring, JSON.stringify(value), boundTo(name));
  const row = { name, key_id: sealed.keyId, nonce: sealed.nonce, ciphertext: sealed.ciphertext, auth_tag: sealed.authTag };
  await db
    .insertInto('credentials')
    .values(row)
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({ key_id: sealed.keyId, nonce: sealed.nonce, ciphertext: sealed.ciphertext, auth_tag: sealed.authTag, updated_at: sql<Date>`now()` }),
    )
    .execute();
}

export async function getCredential(db: Kysely<Database>, keyring: Keyring, name: string): Promise<DeviceCredential> {
  const row = await db.selectFrom('credentials').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw new NotFoundError(`credential ${name} does not exist`, { credential: name });
  const text = unseal(keyring, { keyId: row.key_id, nonce: row.nonce, ciphertext: row.ciphertext, authTag: row.auth_tag }, boundTo(name));
  return JSON.parse(text) as DeviceCredential;
}

export async function deleteCredential(db: Kysely<Database>, name: string): Promise<boolean> {
  const result = await db.deleteFrom('credentials').where('name', '=', name).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Names and key ids only: listing never opens a value. */
export async function listCredentials(db: Kysely<Database>): Promise<{ name: string; keyId: string; updatedAt: Date }[]> {
  const rows = await db.selectFrom('credentials').select(['name', 'key_id', 'updated_at']).orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, keyId: r.key_id, updatedAt: r.updated_at }));
}

/** Re-seals every value not sealed with the current key; afterwards older keys can be dropped. */
export async function rotateCredentials(db: Kysely<Database>, keyring: Keyring): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const stale = await trx.selectFrom('credentials').select('name').where('key_id', '!=', keyring.current).forUpdate().execute();
    for (const { name } of stale) await setCredential(trx, keyring, name, await getCredential(trx, keyring, name));
    return stale.length;
  });
}
