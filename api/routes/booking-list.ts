import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import type { Lab } from '../../config/lab';
import { actingForHeaders, listQuery } from '../schemas/booking';
import { bookingList } from '../schemas/booking-view';
import { errorResponses } from '../schemas/errors';
import { principalOf } from '../auth/authenticate';
import { projectScope } from '../auth/principal';
import { bookingListQuery, decodeCursor, encodeCursor } from '../visibility-query';
import { factsOf } from '../booking-facts';
import { ApiError } from '../errors';

/** The same execution without its memo; a copy keeps the message's prototype, where its defaults live. */
function withoutMemo<T extends object>(raw: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(raw) as object) as T, raw, { memo: null });
}

/** gRPC's INVALID_ARGUMENT. */
const GRPC_INVALID_ARGUMENT = 3;

export interface BookingListDeps {
  temporal: Client;
  lab: Lab;
  /** Seals the cursors (see visibility-query.ts). */
  cursorKey: Buffer;
}

/**
 * `GET /v1/bookings` reads Temporal's visibility store: the workflow itself keeps the search
 * attributes (state, project, owner, hosts) current, so there is no second copy to keep in step,
 * and operators find the same bookings in the Temporal UI with the same filter. Visibility is
 * eventually consistent: a booking shows up, or changes state here, a moment after it does in
 * `GET /v1/bookings/:id`. Newest first (open bookings before closed ones).
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
      const query = bookingListQuery({
        lab: deps.lab.name,
        states: q.state?.split(','),
        project: q.project,
        owner: q.owner,
        host: q.host,
        scope: projectScope(principalOf(request)),
      });
      if (query === null) return { bookings: [], nextCursor: null };
      const namespace = deps.temporal.options.namespace;
      let page;
      try {
        page = await deps.temporal.workflowService.listWorkflowExecutions({
          namespace,
          query,
          pageSize: q.limit,
          nextPageToken: decodeCursor(deps.cursorKey, query, q.cursor),
        });
      } catch (err) {
        // A page token Temporal cannot read (expired, or made up) is the client's to fix.
        if (isGrpcServiceError(err) && Number(err.code) === GRPC_INVALID_ARGUMENT && q.cursor) {
          throw new ApiError(400, 'InvalidCursor', 'cursor: no longer valid; start again without it');
        }
        throw err;
      }
      const converter = deps.temporal.options.loadedDataConverter;
      const infos = await Promise.all(
        (page.executions ?? []).map((raw) =>
          // A memo this API cannot decode (written under a payload key it lacks) costs that booking
          // its lease times, not the whole page: the search attributes are never encrypted.
          executionInfoFromRaw(raw, converter, raw, namespace).catch(() => executionInfoFromRaw(withoutMemo(raw), converter, raw, namespace)),
        ),
      );
      return {
        bookings: infos.map((info) => {
          const f = factsOf(info);
          return { id: f.id, project: f.project ?? '', owner: f.owner ?? '', state: f.state, start: f.start, end: f.end, hosts: f.hosts };
        }),
        nextCursor: encodeCursor(deps.cursorKey, query, page.nextPageToken),
      };
    },
  );
  return Promise.resolve();
};
