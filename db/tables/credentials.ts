import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A named secret (BMC, switch, ...), sealed with AES-256-GCM; `key_id` names the key so keys can rotate. */
export interface CredentialsTable {
  id: Generated<number>;
  name: string;
  key_id: string;
  nonce: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type CredentialRow = Selectable<CredentialsTable>;
export type NewCredentialRow = Insertable<CredentialsTable>;
export type CredentialRowUpdate = Updateable<CredentialsTable>;
