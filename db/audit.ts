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

export async function recordAudit(db: Kysely<Database>, e: AuditEntry): Promise<void> {
  await db
    .insertInto('api_audit')
    .values({
      actor: e.actor,
      actor_kind: e.actorKind,
      token_id: e.tokenId ?? null,
      on_behalf_of: e.onBehalfOf ?? null,
      action: e.action,
      method: e.method,
      path: e.path,
      subject: e.subject ?? null,
      status: e.status,
      outcome: outcomeOf(e.status),
      error_type: e.errorType ?? null,
      detail: JSON.stringify(e.detail ?? {}),
      request_id: e.requestId ?? null,
    })
    .execute();
}

/** The newest entries first, optionally of one subject (a booking id) or one actor. */
export async function listAudit(db: Kysely<Database>, filter: { subject?: string; actor?: string; limit?: number } = {}): Promise<ApiAuditRow[]> {
  let query = db.selectFrom('api_audit').selectAll().orderBy('id', 'desc').limit(filter.limit ?? 100);
  if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
  if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
  return query.execute();
}
