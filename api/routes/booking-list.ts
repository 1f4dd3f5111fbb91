import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import type { Lab } from '../../config/lab';
import { actingForHeaders, listQuery } from '../schemas/booking';
import { bookingList } from '../schemas/booking-view';
import { errorResponses } from '../schemas/errors';
import { principalOf } from '../auth/authenticate';
import { projectScope } from '../auth/principal';
import { bookingListQuery, bookingRunsQuery, decodeCursor, encodeCursor } from '../visibility-query';
import { factsOf } from '../booking-facts';
import { ApiError } from '../errors';

/** The same execution without its memo; a copy keeps the message's prototype, where its defaults live. */
function withoutMemo<T extends object>(raw: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(raw) as object) as T, raw, { memo: null });
}

/** gRPC's INVALID_ARGUMENT. */
const GRPC_INVALID_ARGUMENT = 3;

type RawExecution = NonNullable<Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>['executions']>[number];

/** Enough runs per look-up that one page of a list needs one call. */
const RUNS_PAGE = 1000;

/** When a run closed, in milliseconds; an open run closes last. */
function closedAt(run: RawExecution): number {
  const t = run.closeTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : Number.POSITIVE_INFINITY;
}

/**
 * The runs of a page that are their booking's latest. A failed booking reset by `laas bookings
 * retry` has two runs in visibility, and the old one keeps the search attributes it closed with:
 * listed too, it would show the booking twice, or as failed (under `state=failed`) while it is
 * provisioning or active again. Runs of one workflow id never overlap, so the latest is the open
 * one, or else the one that closed last. An open run is the latest by itself; a closed one is
 * checked against every run of its workflow id, in one more visibility call for the page. A page
 * can therefore hold fewer bookings than `limit` (even none) and still have a next cursor: the
 * cursor stays Temporal's own, so following it still finds every booking exactly once.
 */
async function latestRunsOnly(deps: BookingListDeps, namespace: string, runs: RawExecution[]): Promise<RawExecution[]> {
  const query = bookingRunsQuery(deps.lab.name, runs.filter((r) => r.closeTime).map((r) => r.execution?.workflowId ?? ''));
  if (query === null) return runs;
  const latest = new Map<string, RawExecution>();
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await deps.temporal.workflowService.listWorkflowExecutions({ namespace, query, pageSize: RUNS_PAGE, nextPageToken });
    for (const run of page.executions ?? []) {
      const id = run.execution?.workflowId ?? '';
      const known = latest.get(id);
      if (!known || closedAt(run) > closedAt(known)) latest.set(id, run);
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return runs.filter((r) => {
    const newest = latest.get(r.execution?.workflowId ?? '');
    return !r.closeTime || !newest || newest.execution?.runId === r.execution?.runId;
  });
}

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
 * `GET /v1/bookings/:id`. Newest first (open bookings before closed ones), one entry per booking:
 * its latest run (see latestRunsOnly).
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
      const runs = await latestRunsOnly(deps, namespace, page.executions ?? []);
      const infos = await Promise.all(
        runs.map((raw) =>
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
