import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 of the token: tokens are long random strings, so a fast hash is enough and lookups stay indexed. */
  token_hash: string;
  label: ColumnType<string, string | undefined, string>;
  created_at: ColumnType<Date, never, never>;
}

export type ApiTokenRow = Selectable<ApiTokensTable>;
export type NewApiTokenRow = Insertable<ApiTokensTable>;
