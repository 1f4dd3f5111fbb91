import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import type { HostState } from './tables/hosts';
import { rangeSql } from './ranges';

// What a dashboard reads to offer what is free: the lab's hosts with their holdings, answered
// from the inventory and the allocation tables (the same rows the allocator decides by).

export interface Holding {
  bookingId: string | null;
  /** The booking's project, or the HIL project that holds the host. */
  project: string | null;
  start: Date;
  end: Date | null;
}

export interface LabHost {
  name: string;
  flavor: string | null;
  state: HostState;
  nics: string[];
  /** Now and later, earliest first. */
  holdings: Holding[];
}

/** Every host of the lab with its NICs' OS names and its holdings that have not ended. */
export async function labHosts(db: Kysely<Database>, lab: string, filter: { flavor?: string; host?: string } = {}): Promise<LabHost[]> {
  let query = db
    .selectFrom('hosts')
    .innerJoin('labs', 'labs.id', 'hosts.lab_id')
    .select(['hosts.id', 'hosts.name', 'hosts.flavor', 'hosts.state'])
    .where('labs.name', '=', lab)
    .orderBy('hosts.name');
  if (filter.flavor) query = query.where('hosts.flavor', '=', filter.flavor);
  if (filter.host) query = query.where('hosts.name', '=', filter.host);
  const hosts = await query.execute();
  if (!hosts.length) return [];
  const ids = hosts.map((h) => h.id);
  const nics = await db.selectFrom('nics').select(['host_id', 'label', 'os_name']).where('host_id', 'in', ids).orderBy('label').execute();
  const holdings = await db
    .selectFrom('host_allocations as a')
    .leftJoin('bookings', 'bookings.id', 'a.booking_id')
    .leftJoin('projects', 'projects.id', 'a.project_id')
    .select([
      'a.host_id',
      'a.booking_id as bookingId',
      sql<string | null>`coalesce(bookings.project, projects.name)`.as('project'),
      sql<Date>`lower(a.during)`.as('start'),
      sql<Date | null>`upper(a.during)`.as('end'),
    ])
    .where('a.host_id', 'in', ids)
    .where(sql<boolean>`(upper_inf(a.during) or upper(a.during) > now())`)
    .orderBy(sql`lower(a.during)`)
    .execute();
  return hosts.map((h) => ({
    name: h.name,
    flavor: h.flavor,
    state: h.state,
    nics: nics.filter((n) => n.host_id === h.id).map((n) => n.os_name ?? n.label),
    holdings: holdings.filter((x) => x.host_id === h.id).map(({ bookingId, project, start, end }) => ({ bookingId, project, start, end })),
  }));
}

/** The free stretches of [from, to) between the holdings (sorted by start): where a booking fits. */
export function freeWindows(holdings: Pick<Holding, 'start' | 'end'>[], from: Date, to: Date): { start: Date; end: Date }[] {
  const free: { start: Date; end: Date }[] = [];
  let cursor = from.getTime();
  for (const h of holdings) {
    const start = h.start.getTime();
    const end = h.end ? h.end.getTime() : Number.POSITIVE_INFINITY;
    if (end <= cursor) continue;
    if (start >= to.getTime()) break;
    if (start > cursor) free.push({ start: new Date(cursor), end: new Date(start) });
    cursor = Math.max(cursor, end);
    if (cursor >= to.getTime()) break;
  }
  if (cursor < to.getTime()) free.push({ start: new Date(cursor), end: to });
  return free;
}

/** VLANs of the lab's pool that no booking or network holds at any moment of [from, to). */
export async function freeVlanCount(db: Kysely<Database>, lab: string, from: Date, to: Date): Promise<{ pool: number; free: number }> {
  const row = await db
    .selectFrom('vlan_pool as p')
    .innerJoin('labs', 'labs.id', 'p.lab_id')
    .select([
      sql<number>`count(*)::int`.as('pool'),
      sql<number>`(count(*) filter (where not exists (select 1 from vlan_allocations a where a.vlan_pool_id = p.id and a.during && ${rangeSql(from, to)})))::int`.as('free'),
    ])
    .where('labs.name', '=', lab)
    .executeTakeFirst();
  return { pool: row?.pool ?? 0, free: row?.free ?? 0 };
}
