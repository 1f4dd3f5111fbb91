import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export type AuditActorKind = 'anonymous' | 'admin' | 'user' | 'dashboard';
export type AuditOutcome = 'ok' | 'refused' | 'failed' | 'pending';

/** One mutating API call: who, what, when, and how it ended. Append-only. */
export interface ApiAuditTable {
  id: Generated<string>;
  at: ColumnType<Date, Date | string | undefined, never>;
  /** The user name, "admin" for the configured token, or the dashboard token's name; "anonymous" without a valid token. */
  actor: string;
  actor_kind: AuditActorKind;
  token_id: number | null;
  /** The user a dashboard acted for. */
  on_behalf_of: string | null;
  /** What was asked, e.g. booking.create, or "POST /v0/project/:project" for HIL calls. */
  action: string;
  method: string;
  /** The request path without its query. */
  path: string;
  /** The booking (or other thing) acted on, when there is one. */
  subject: string | null;
  /** The answer's status; null while the change is under way (outcome pending). */
  status: number | null;
  /** ok (2xx/3xx), refused (4xx: nothing was done), failed (5xx); pending: recorded before the change, its answer never recorded. */
  outcome: AuditOutcome;
  error_type: string | null;
  /** A few request fields that say what changed (never keys, passwords or tokens). */
  detail: ColumnType<Record<string, unknown>, string | undefined, never>;
  request_id: string | null;
}

export type ApiAuditRow = Selectable<ApiAuditTable>;
export type NewApiAuditRow = Insertable<ApiAuditTable>;
