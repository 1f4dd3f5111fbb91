import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Who holds a host over which time range: a booking, or a project (HIL's
 * connect_node, open-ended). Overlaps on one host are refused by an exclusion constraint.
 */
export interface HostAllocationsTable {
  id: Generated<string>;
  host_id: number;
  booking_id: string | null;
  project_id: number | null;
  during: string;
}

export type HostAllocationRow = Selectable<HostAllocationsTable>;
export type NewHostAllocationRow = Insertable<HostAllocationsTable>;
export type HostAllocationRowUpdate = Updateable<HostAllocationsTable>;
