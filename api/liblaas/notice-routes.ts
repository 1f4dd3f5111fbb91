import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { appendBookingEvent } from '../../db/booking-events';
import { getAggregate } from '../../db/liblaas-aggregates';
import { fail, parseBody, type LiblaasContext } from './context';
import { isUuid } from './ids';
import { sendNotice } from './notify';

const extensionBody = z.object({ reason: z.string(), date: z.string() });

/** booking/{agg}/notify/expiring and booking/{agg}/request-extension (§2.8-2.9): booking events, and the notification sink. */
export function noticeRoutes(app: FastifyInstance, ctx: LiblaasContext): void {
  async function aggregateOf(agg: string) {
    const a = isUuid(agg) ? await getAggregate(ctx.db, agg) : null;
    if (!a) throw fail(`no booking ${agg}`);
    return a;
  }
  async function record(agg: string, key: string, kind: string, detail: Record<string, unknown>, users: string[], project: string) {
    await appendBookingEvent(ctx.db, { bookingId: agg, key: `liblaas:${key}`, kind, detail });
    try {
      await sendNotice(ctx, { kind, bookingId: agg, project, users, ...detail });
    } catch (err) {
      throw fail(`could not send the notice: ${(err as Error).message}`);
    }
  }

  app.post<{ Params: { agg: string } }>('/booking/:agg/notify/expiring', async (request, reply) => {
    const end = parseBody(z.string(), request.body);
    const a = await aggregateOf(request.params.agg);
    // The dashboard's end date (its own extensions move it): RFC 2822, else the booking's stored end.
    const parsed = Date.parse(end);
    const at = Number.isNaN(parsed) ? (typeof a.metadata.end === 'string' ? a.metadata.end : '') : new Date(parsed).toISOString();
    // Keyed by the end date: the dashboard's retries of one notice record it once.
    await record(a.id, `expiring:${at}`, 'liblaas:expiring', { end: at }, a.users, a.project);
    await reply.status(200).send('');
  });

  app.post<{ Params: { agg: string } }>('/booking/:agg/request-extension', async (request, reply) => {
    const body = parseBody(extensionBody, request.body);
    const a = await aggregateOf(request.params.agg);
    const key = createHash('sha256').update(`${body.date}\n${body.reason}`).digest('hex').slice(0, 16);
    await record(a.id, `extension:${key}`, 'liblaas:extension-requested', { date: body.date, reason: body.reason.slice(0, 2000), owner: a.metadata.owner ?? null }, a.users, a.project);
    await reply.status(200).send('');
  });
}
