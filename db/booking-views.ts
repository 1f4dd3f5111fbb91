import { sql, type Kysely } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Database } from './database';
import type { BookingViewRow } from './tables/booking-views';
import type { BookingSnapshot } from '../workflows/types';
import { presentView, type BookingViewJson } from './booking-view-shape';

export type { BookingViewJson } from './booking-view-shape';

/**
 * Store the booking's snapshot. Idempotent, and a snapshot older (by `seq`) than the stored one
 * of the same run is dropped; a new run (a booking reset by an operator) starts its own sequence.
 */
export async function writeBookingSnapshot(db: Kysely<Database>, id: string, runId: string, s: BookingSnapshot): Promise<void> {
  const row = {
    lab: s.lab,
    project: s.project,
    owner: s.owner,
    state: s.state,
    lease_start: s.start,
    lease_end: s.end,
    host_names: s.hosts.map((h) => h.name),
    hosts: JSON.stringify(s.hosts),
    networks: JSON.stringify(s.networks),
    booking_steps: JSON.stringify(s.bookingSteps),
    headnode: s.headnode ? JSON.stringify(s.headnode) : null,
    vpn_accounts: s.vpnAccounts ? JSON.stringify(s.vpnAccounts) : null,
    credentials_pending: s.credentialsPending,
    leftovers: JSON.stringify(s.leftovers),
    error: s.error ? JSON.stringify(s.error) : null,
    run_id: runId,
    seq: s.seq,
  };
  await db
    .insertInto('booking_views')
    .values({ id, ...row, created_at: s.createdAt })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet({ ...row, updated_at: sql<Date>`now()` })
        .where((eb) => eb.or([eb('booking_views.run_id', '<>', eb.ref('excluded.run_id')), eb('booking_views.seq', '<', eb.ref('excluded.seq'))])),
    )
    .execute();
}

/** The API has handed the generated passwords over (or found none left): nothing waits to be claimed. */
export async function clearCredentialsPending(db: Kysely<Database>, id: string): Promise<void> {
  await db.updateTable('booking_views').set({ credentials_pending: false }).where('id', '=', id).execute();
}

export async function bookingViewRow(db: Kysely<Database>, id: string): Promise<BookingViewRow | undefined> {
  return db.selectFrom('booking_views').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A booking as the API reads it: the view's JSON and the row's facts that are not shown. */
export interface BookingRead {
  view: BookingViewJson;
  /** Generated VPN passwords wait in the workflow for their owner's first read. */
  credentialsPending: boolean;
}

/**
 * The booking, its step records and its hosts' access in one query (one round trip): the reads of
 * `GET /v1/bookings/:id` are the API's most frequent, a dashboard polling every booking it shows.
 */
export async function readBooking(db: Kysely<Database>, id: string): Promise<BookingRead | null> {
  const row = await db
    .selectFrom('booking_views as v')
    .selectAll('v')
    .select((eb) => [
      jsonArrayFrom(eb.selectFrom('booking_host_steps as s').selectAll('s').whereRef('s.booking_id', '=', 'v.id')).as('steps'),
      jsonArrayFrom(eb.selectFrom('booking_view_hosts as h').selectAll('h').whereRef('h.booking_id', '=', 'v.id')).as('access'),
    ])
    .where('v.id', '=', id)
    .executeTakeFirst();
  if (!row) return null;
  const { steps, access, ...view } = row;
  return { view: presentView(view, steps, access), credentialsPending: view.credentials_pending };
}

/** Exactly the JSON of `GET /v1/bookings/:id` (without VPN passwords), or null when the read model has no such booking. */
export async function getBookingView(db: Kysely<Database>, id: string): Promise<BookingViewJson | null> {
  return (await readBooking(db, id))?.view ?? null;
}

export interface BookingViewFilter {
  lab: string;
  states?: string[] | undefined;
  project?: string | undefined;
  owner?: string | undefined;
  host?: string | undefined;
  /** The caller's projects; `all` for callers that see every booking of the lab. */
  scope: ReadonlySet<string> | 'all';
}

export interface BookingViewPage {
  limit: number;
  /** The last booking of the previous page (its created_at as PostgreSQL prints it, and its id). */
  after?: { createdAt: string; id: string } | undefined;
}

export interface BookingSummaryJson {
  id: string;
  project: string;
  owner: string;
  state: string;
  start: string;
  end: string;
  hosts: string[];
}

/** A page of bookings, newest first; `next` is where the following page starts (null on the last). */
export async function listBookingViews(
  db: Kysely<Database>,
  f: BookingViewFilter,
  page: BookingViewPage,
): Promise<{ bookings: BookingSummaryJson[]; next: { createdAt: string; id: string } | null }> {
  if (f.scope !== 'all' && f.scope.size === 0) return { bookings: [], next: null };
  let q = db
    .selectFrom('booking_views')
    .select(['id', 'project', 'owner', 'state', 'lease_start', 'lease_end', 'host_names', sql<string>`created_at::text`.as('created')])
    .where('lab', '=', f.lab);
  if (f.states?.length) q = q.where('state', 'in', f.states);
  if (f.project !== undefined) q = q.where('project', '=', f.project);
  if (f.owner !== undefined) q = q.where('owner', '=', f.owner);
  if (f.host !== undefined) q = q.where(sql<boolean>`host_names @> ARRAY[${f.host}]::text[]`);
  if (f.scope !== 'all') q = q.where('project', 'in', [...f.scope]);
  if (page.after) q = q.where(sql<boolean>`(created_at, id) < (${page.after.createdAt}::timestamptz, ${page.after.id})`);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
  const more = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    bookings: shown.map((r) => ({ id: r.id, project: r.project, owner: r.owner, state: r.state, start: r.lease_start, end: r.lease_end, hosts: r.host_names })),
    next: more && last ? { createdAt: last.created, id: last.id } : null,
  };
}
