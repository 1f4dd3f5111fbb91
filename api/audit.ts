import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import { recordAudit } from '../db/audit';
import type { AuditActorKind } from '../db/tables/api-audit';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The audit's name for what a mutating route does, e.g. booking.extend. */
    audit?: string;
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
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ANONYMOUS: AuditActor = { actor: 'anonymous', actorKind: 'anonymous' };

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

/**
 * Records every mutating call (who, what, when, outcome) before its answer leaves, so a client
 * that saw an answer can count on the record. A failure to record is logged loudly; the change
 * itself has already happened and cannot be taken back here.
 */
export function installAudit(app: FastifyInstance, options: AuditOptions): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!MUTATING.has(request.method)) return payload;
    const actor = options.actorOf(request) ?? ANONYMOUS;
    const route = request.routeOptions.url ?? request.url.split('?')[0]!;
    try {
      await recordAudit(options.db, {
        ...actor,
        action: request.routeOptions.config.audit ?? `${request.method} ${route}`,
        method: request.method,
        path: request.url.split('?')[0]!,
        subject: subjectOf(request, payload),
        status: reply.statusCode,
        errorType: reply.statusCode >= 400 ? errorTypeOf(payload) : null,
        detail: options.detailOf?.(request) ?? {},
        requestId: request.id,
      });
    } catch (err) {
      request.log.error({ err: { message: (err as Error).message } }, 'audit record failed');
    }
    return payload;
  });
}
