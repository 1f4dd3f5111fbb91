import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import { beginAudit, finishAudit, recordAudit, type AuditEntry } from '../db/audit';
import type { AuditActorKind } from '../db/tables/api-audit';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The audit's name for what a mutating route does, e.g. booking.extend. */
    audit?: string;
    /**
     * The route's change is made in PostgreSQL by its handler, through auditedChange(): the audit
     * row is written in the same transaction, so the change and its record commit together or not
     * at all. Other mutating routes (those that start workflows or reach a device) are recorded ahead.
     */
    auditInChange?: boolean;
  }
}

/** Route options of a change made in PostgreSQL and audited in its own transaction (see auditedChange). */
export const AUDIT_IN_CHANGE = { config: { auditInChange: true } } as const;

/** A change whose audit row could not be written with it: the transaction was rolled back, nothing changed. */
export class ChangeNotRecorded extends Error {
  constructor(cause: unknown) {
    super('the change could not be recorded in the audit, so it was not made', { cause });
    this.name = 'ChangeNotRecorded';
  }
}

export interface AuditActor {
  actor: string;
  actorKind: AuditActorKind;
  tokenId?: number | null;
  onBehalfOf?: string | null;
}

export interface AuditOptions {
  db: Kysely<Database>;
  /** Who made the request, or undefined when it did not authenticate. */
  actorOf(request: FastifyRequest): AuditActor | undefined;
  /** Request fields that say what changed; never keys, passwords or tokens. */
  detailOf?(request: FastifyRequest): Record<string, unknown>;
  /** The body of the 503 for a change refused because it could not be recorded (default: the API's or HIL's shape). */
  unavailableBody?(request: FastifyRequest): string | object;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ANONYMOUS: AuditActor = { actor: 'anonymous', actorKind: 'anonymous' };
/** Answers that say the database was away: nothing was changed and nothing can be recorded. */
const UNAVAILABLE_TYPES = new Set(['DatabaseUnavailable', 'ServiceUnavailable']);

/** The booking-API fields worth keeping: they say what was asked without carrying secrets. */
export function bookingDetail(request: FastifyRequest): Record<string, unknown> {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ['project', 'owner', 'start', 'end', 'action', 'host', 'failurePolicy'] as const) {
    // Bounded: a refused body may carry anything.
    if (typeof body[key] === 'string') out[key] = body[key].slice(0, 200);
  }
  if (Array.isArray(body.hosts)) out.hosts = body.hosts.length;
  return out;
}

function errorTypeOf(payload: unknown): string | null {
  if (typeof payload !== 'string') return null;
  try {
    const parsed = JSON.parse(payload) as { error?: { type?: unknown }; type?: unknown };
    // The booking API's { error: { type } } or HIL's { type, msg }.
    const type = parsed.error?.type ?? parsed.type;
    return typeof type === 'string' ? type : null;
  } catch {
    return null;
  }
}

function subjectOf(request: FastifyRequest, payload: unknown): string | null {
  const params = (request.params ?? {}) as Record<string, string>;
  if (Object.keys(params).length) return Object.values(params).join('/');
  const body = request.body as { id?: unknown } | undefined;
  if (typeof body?.id === 'string') return body.id;
  // A booking created without a client id: its id is in the answer.
  if (typeof payload === 'string' && payload.startsWith('{')) {
    try {
      const id = (JSON.parse(payload) as { id?: unknown }).id;
      if (typeof id === 'string') return id;
    } catch {
      // Not JSON: no subject.
    }
  }
  return null;
}

/** Seconds a client is told to wait when the database that must record its change is away. */
export const RETRY_AFTER_S = 5;

const pending = new WeakMap<FastifyRequest, string>();
/** Requests whose row auditedChange wrote with their change: its id and the status it was written with. */
const recorded = new WeakMap<FastifyRequest, { id: string; status: number }>();
const scopes = new WeakMap<FastifyRequest, { db: Kysely<Database>; entry: () => Omit<AuditEntry, 'status'> }>();

/**
 * Runs a route's change in a transaction with its audit row: the row (with `status`, the answer
 * the handler gives when the change succeeds) is inserted after the change, inside the same
 * transaction, and both commit together. A change that fails rolls back and is recorded as refused
 * when it is answered; an audit row that cannot be written rolls the change back (ChangeNotRecorded,
 * answered 503 with Retry-After). Work that must follow the commit (starting a workflow) goes after.
 */
export async function auditedChange<T>(request: FastifyRequest, work: (trx: Kysely<Database>) => Promise<T>, status = 200): Promise<T> {
  const scope = scopes.get(request);
  if (!scope) throw new Error(`${request.method} ${request.url}: auditedChange is for mutating routes with auditInChange`);
  let changed = false;
  try {
    return await scope.db.transaction().execute(async (trx) => {
      const result = await work(trx);
      changed = true;
      recorded.set(request, { id: await recordAudit(trx, { ...scope.entry(), status }), status });
      return result;
    });
  } catch (err) {
    if (!changed) throw err;
    // The change was made but its record (or the commit) failed: rolled back together.
    recorded.delete(request);
    throw new ChangeNotRecorded(err);
  }
}

/** The body of a 503 for a change not made because the audit could not record it. */
export function unrecordedBody(request: FastifyRequest) {
  return unavailable(request);
}

function unavailable(request: FastifyRequest) {
  const message = 'the database that records every change is unavailable; nothing was changed, try again';
  // HIL's clients read {type, msg} under /v0; everything else the API's own shape.
  return request.url.startsWith('/v0') ? { type: 'ServiceUnavailable', msg: message } : { error: { type: 'DatabaseUnavailable', message } };
}

/**
 * Every mutating call is recorded (who, what, when, outcome). A change made in PostgreSQL
 * (`auditInChange`) is recorded in its own transaction by auditedChange. Any other call that
 * reaches its handler is written ahead: a pending row goes in before the handler changes anything
 * (starts a workflow, reaches a device), and is completed with the answer's status in onSend. When that first write
 * fails the change is refused with 503 and Retry-After: nothing is done unaudited. A call refused
 * before its handler (authentication, validation) is recorded in one row as it is answered.
 */
export function installAudit(app: FastifyInstance, options: AuditOptions): void {
  const entryOf = (request: FastifyRequest, payload: unknown) => {
    const route = request.routeOptions.url ?? request.url.split('?')[0]!;
    return {
      ...(options.actorOf(request) ?? ANONYMOUS),
      action: request.routeOptions.config.audit ?? `${request.method} ${route}`,
      method: request.method,
      path: request.url.split('?')[0]!,
      subject: subjectOf(request, payload),
      detail: options.detailOf?.(request) ?? {},
      requestId: request.id,
    };
  };
  app.addHook('preHandler', async (request, reply) => {
    if (!MUTATING.has(request.method)) return;
    if (request.routeOptions.config.auditInChange) {
      // Written by auditedChange in the change's own transaction.
      scopes.set(request, { db: options.db, entry: () => entryOf(request, undefined) });
      return;
    }
    try {
      pending.set(request, await beginAudit(options.db, entryOf(request, undefined)));
    } catch (err) {
      request.log.error({ err: { message: (err as Error).message } }, 'audit record failed: change refused');
      const body = options.unavailableBody?.(request) ?? unavailable(request);
      if (typeof body === 'string') reply.type('text/plain');
      return reply.status(503).header('retry-after', String(RETRY_AFTER_S)).send(body);
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!MUTATING.has(request.method)) return payload;
    const errorType = reply.statusCode >= 400 ? errorTypeOf(payload) : null;
    const id = pending.get(request);
    const withChange = recorded.get(request);
    try {
      if (withChange) {
        // Recorded with the change; only an answer other than the handler's (a failed reply) is noted.
        if (withChange.status !== reply.statusCode) await finishAudit(options.db, withChange.id, { status: reply.statusCode, errorType });
      } else if (id !== undefined) {
        await finishAudit(options.db, id, { status: reply.statusCode, errorType, subject: subjectOf(request, payload) });
      } else if (reply.statusCode !== 503 || !UNAVAILABLE_TYPES.has(errorType ?? '')) {
        if (reply.statusCode < 400 && request.routeOptions.config.auditInChange) request.log.error('a change answered without its audit row in its transaction');
        await recordAudit(options.db, { ...entryOf(request, payload), status: reply.statusCode, errorType });
      }
    } catch (err) {
      // The pending row stays: the change is on record, only its answer is not.
      request.log.error({ err: { message: (err as Error).message } }, 'audit record failed');
    }
    return payload;
  });
}
