import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import type { BookingState } from '../workflows/types';

export const BOOKING_STATES: BookingState[] = ['scheduled', 'provisioning', 'held', 'active', 'releasing', 'released', 'failed', 'needs_cleanup'];

export interface LabFigures {
  /** Bookings of the read model by lab and state. */
  bookings: { lab: string; state: string; count: number }[];
  /** Hosts whose failed step waits for an operator (a hold), by lab. */
  heldHosts: { lab: string; count: number }[];
  /** Undos that failed and wait for `laas cleanup` (bookings in needs_cleanup carry them), by lab. */
  leftovers: { lab: string; count: number }[];
  /** Inventory hosts by lab and state (available, maintenance, retired). */
  hosts: { lab: string; state: string; count: number }[];
  /** Hosts and pool VLANs held by an allocation now, and the VLAN pool's size, by lab. */
  allocations: { lab: string; hosts: number; vlans: number; vlanPool: number }[];
}

const n = (v: unknown): number => Number(v);

/** Figures for the API's /metrics, read from the read model and inventory at each scrape. */
export async function labFigures(db: Kysely<Database>): Promise<LabFigures> {
  const [bookings, heldHosts, leftovers, hosts, allocations] = await Promise.all([
    sql<{ lab: string; state: string; count: string }>`select lab, state, count(*) from booking_views group by lab, state`.execute(db),
    sql<{ lab: string; count: string }>`
      select b.lab, count(*) from booking_views b cross join lateral jsonb_array_elements(b.hosts) h
      where jsonb_typeof(h.value -> 'held') = 'object' group by b.lab`.execute(db),
    sql<{ lab: string; count: string }>`
      select b.lab, count(*) from booking_leftovers l join booking_views b on b.id = l.booking_id group by b.lab`.execute(db),
    sql<{ lab: string; state: string; count: string }>`
      select l.name as lab, h.state, count(*) from hosts h join labs l on l.id = h.lab_id group by l.name, h.state`.execute(db),
    sql<{ lab: string; hosts: string; vlans: string; vlan_pool: string }>`
      select l.name as lab,
        (select count(distinct a.host_id) from host_allocations a join hosts h on h.id = a.host_id
          where h.lab_id = l.id and a.during @> now()) as hosts,
        (select count(distinct v.vlan_pool_id) from vlan_allocations v join vlan_pool p on p.id = v.vlan_pool_id
          where p.lab_id = l.id and v.during @> now()) as vlans,
        (select count(*) from vlan_pool p where p.lab_id = l.id) as vlan_pool
      from labs l`.execute(db),
  ]);
  return {
    bookings: bookings.rows.map((r) => ({ lab: r.lab, state: r.state, count: n(r.count) })),
    heldHosts: heldHosts.rows.map((r) => ({ lab: r.lab, count: n(r.count) })),
    leftovers: leftovers.rows.map((r) => ({ lab: r.lab, count: n(r.count) })),
    hosts: hosts.rows.map((r) => ({ lab: r.lab, state: r.state, count: n(r.count) })),
    allocations: allocations.rows.map((r) => ({ lab: r.lab, hosts: n(r.hosts), vlans: n(r.vlans), vlanPool: n(r.vlan_pool) })),
  };
}
