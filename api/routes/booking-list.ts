import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Lab } from '../../config/lab';
import type { Database } from '../../db/database';
import { listBookingViews, type BookingViewFilter } from '../../db/booking-views';
import { actingForHeaders, listQuery } from '../schemas/booking';
import { bookingList } from '../schemas/booking-view';
import { errorResponses } from '../schemas/errors';
import { principalOf } from '../auth/authenticate';
import { projectScope } from '../auth/principal';
import { decodeCursor, encodeCursor } from '../visibility-query';
import { ApiError } from '../errors';
import type { BookingState } from '../../workflows/types';
import type { BookingReadCache } from '../booking-read-cache';

export interface BookingListDeps {
  db: Kysely<Database>;
  lab: Lab;
  /** Seals the cursors (see visibility-query.ts). */
  cursorKey: Buffer;
  /** Pages kept in memory until a booking changes (api/booking-read-cache.ts); every read queries without. */
  cache?: BookingReadCache | undefined;
}

/** The filter as the cursor is sealed to: a cursor from another filter (or scope) is refused. */
function filterKey(f: BookingViewFilter): string {
  const scope = f.scope === 'all' ? 'all' : [...f.scope].sort();
  return JSON.stringify([f.lab, f.states ?? null, f.project ?? null, f.owner ?? null, f.host ?? null, scope]);
}

function afterOf(token: Uint8Array | undefined): { createdAt: string; id: string } | undefined {
  if (!token) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(token).toString('utf8')) as [unknown, unknown];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // Sealed by this API, so only a change of format gets here.
  }
  throw new ApiError(400, 'InvalidCursor', 'cursor: no longer valid; start again without it');
}

/**
 * `GET /v1/bookings` reads the read model in PostgreSQL (db/booking-views.ts), which the booking
 * workflows keep current through their bookkeeping activity: no Temporal call, no worker. Newest
 * first by the time laas first recorded the booking; the cursor names the last booking of the page
 * (keyset paging), so a page is stable while bookings come and go, and every booking shows once.
 */
export const bookingListRoutes: FastifyPluginAsyncZod<BookingListDeps> = (app, deps) => {
  app.get(
    '/bookings',
    {
      schema: {
        summary: 'Bookings of your projects, newest first, a page at a time',
        tags: ['bookings'],
        headers: actingForHeaders,
        querystring: listQuery,
        response: { 200: bookingList.describe('One page of bookings'), ...errorResponses() },
      },
    },
    async (request) => {
      const q = request.query;
      const filter: BookingViewFilter = {
        lab: deps.lab.name,
        states: q.state?.split(','),
        project: q.project,
        owner: q.owner,
        host: q.host,
        scope: projectScope(principalOf(request)),
      };
      const key = filterKey(filter);
      const after = afterOf(decodeCursor(deps.cursorKey, key, q.cursor));
      const load = () => listBookingViews(deps.db, filter, { limit: q.limit, after });
      const page = deps.cache ? await deps.cache.list(JSON.stringify([key, q.limit, after ?? null]), load) : await load();
      const next = page.next ? Buffer.from(JSON.stringify([page.next.createdAt, page.next.id])) : null;
      return {
        bookings: page.bookings.map((b) => ({ ...b, state: b.state as BookingState })),
        nextCursor: encodeCursor(deps.cursorKey, key, next),
      };
    },
  );
  return Promise.resolve();
};
