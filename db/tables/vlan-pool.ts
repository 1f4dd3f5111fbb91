import type { Generated, Insertable, Selectable } from 'kysely';

/** The VLAN pool: the ids a lab may hand out to bookings and pool networks. */
export interface VlanPoolTable {
  id: Generated<number>;
  lab_id: number;
  vlan: number;
}

export type VlanPoolRow = Selectable<VlanPoolTable>;
export type NewVlanPoolRow = Insertable<VlanPoolTable>;
