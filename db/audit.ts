import type { Kysely } from 'kysely';
import type { Database } from './database';
import type { ApiAuditRow, AuditActorKind, AuditOutcome } from './tables/api-audit';

export interface AuditEntry {
  actor: string;
  actorKind: AuditActorKind;
  tokenId?: number | null | undefined;
  onBehalfOf?: string | null | undefined;
  action: string;
  method: string;
  path: string;
  subject?: string | null | undefined;
  status: number;
  errorType?: string | null | undefined;
  detail?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
}

export function outcomeOf(status: number): AuditOutcome {
  return status >= 500 ? 'failed' : status >= 400 ? 'refused' : 'ok';
}

/**
 * A value PostgreSQL stores as given: NUL (which text and jsonb refuse) and lone surrogates (text
 * that is not UTF-8) escaped as `\u0000`, `\ud800`, so the record keeps what was sent instead of
 * losing the row. A backslash is doubled first, so an escape is never confused with one sent.
 */
export function auditText(value: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is what PostgreSQL refuses
  return value.replaceAll('\\', '\\\\').replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function clean(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return auditText(value);
  if (depth > 8) return null;
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [auditText(k), clean(v, depth + 1)]));
  return value;
}

const orNull = (v: string | null | undefined) => (v === null || v === undefined ? null : auditText(v));

function rowOf(e: Omit<AuditEntry, 'status'> & { status: number | null }) {
  return {
    actor: auditText(e.actor),
    actor_kind: e.actorKind,
    token_id: e.tokenId ?? null,
    on_behalf_of: orNull(e.onBehalfOf),
    action: auditText(e.action),
    method: auditText(e.method),
    path: auditText(e.path),
    subject: orNull(e.subject),
    status: e.status,
    outcome: e.status === null ? ('pending' as const) : outcomeOf(e.status),
    error_type: orNull(e.errorType),
    detail: JSON.stringify(clean(e.detail ?? {})),
    request_id: orNull(e.requestId),
  };
}

/** One finished entry; `db` may be the transaction of the change it records. Returns its id. */
export async function recordAudit(db: Kysely<Database>, e: AuditEntry): Promise<string> {
  const row = await db.insertInto('api_audit').values(rowOf(e)).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Written ahead of a change: a pending row, completed by finishAudit once the answer is known. Returns its id. */
export async function beginAudit(db: Kysely<Database>, e: Omit<AuditEntry, 'status' | 'errorType'>): Promise<string> {
  const row = await db.insertInto('api_audit').values(rowOf({ ...e, status: null })).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function finishAudit(db: Kysely<Database>, id: string, e: { status: number; errorType?: string | null; subject?: string | null }): Promise<void> {
  await db
    .updateTable('api_audit')
    .set({ status: e.status, outcome: outcomeOf(e.status), error_type: orNull(e.errorType), ...(e.subject !== undefined ? { subject: orNull(e.subject) } : {}) })
    .where('id', '=', id)
    .execute();
}

/** The newest entries first, optionally of one subject (a booking id) or one actor. */
export async function listAudit(db: Kysely<Database>, filter: { subject?: string; actor?: string; limit?: number } = {}): Promise<ApiAuditRow[]> {
  let query = db.selectFrom('api_audit').selectAll().orderBy('id', 'desc').limit(filter.limit ?? 100);
  if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
  if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
  return query.execute();
}
