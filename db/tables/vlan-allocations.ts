import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Who holds a pool VLAN over which time range: a booking (one of its networks) or a HIL network. */
export interface VlanAllocationsTable {
  id: Generated<string>;
  vlan_pool_id: number;
  booking_id: string | null;
  /** The booking's name for the network on this VLAN, when it gave one. */
  booking_network: string | null;
  network_id: number | null;
  during: string;
}

export type VlanAllocationRow = Selectable<VlanAllocationsTable>;
export type NewVlanAllocationRow = Insertable<VlanAllocationsTable>;
export type VlanAllocationRowUpdate = Updateable<VlanAllocationsTable>;
