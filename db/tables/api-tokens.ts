import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** `user`: acts as its user (an administrator's token is an administrator's). `dashboard`: acts for the users of its lab. */
export type ApiTokenKind = 'user' | 'dashboard';

export interface ApiTokensTable {
  id: Generated<number>;
  /** The user a `user` token acts as; null for a dashboard's token. */
  user_id: number | null;
  /** SHA-256 of the token: tokens are long random strings, so a fast hash is enough and lookups stay indexed. */
  token_hash: string;
  label: ColumnType<string, string | undefined, string>;
  kind: ColumnType<ApiTokenKind, ApiTokenKind | undefined, never>;
  /** The lab a dashboard's token serves; null for a user's token. */
  lab: ColumnType<string | null, string | null | undefined, never>;
  /** Updated at most once a minute, so an unused token can be found and revoked. */
  last_used_at: ColumnType<Date | null, never, Date | string | null>;
  created_at: ColumnType<Date, never, never>;
}

export type ApiTokenRow = Selectable<ApiTokensTable>;
export type NewApiTokenRow = Insertable<ApiTokensTable>;
