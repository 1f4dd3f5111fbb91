import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Where a lab's headnode VMs run (a libvirt URI). */
export interface HeadnodeHypervisorsTable {
  id: Generated<number>;
  lab_id: number;
  name: string;
  uri: string;
  credential: string | null;
  created_at: ColumnType<Date, never, never>;
}

export type HeadnodeHypervisorRow = Selectable<HeadnodeHypervisorsTable>;
export type NewHeadnodeHypervisorRow = Insertable<HeadnodeHypervisorsTable>;
export type HeadnodeHypervisorRowUpdate = Updateable<HeadnodeHypervisorsTable>;
