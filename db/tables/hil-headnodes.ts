import type { ColumnType, Generated, Selectable } from 'kysely';

/** A headnode made through HIL's API: a project's virtual machine on the lab's libvirt. */
export interface HilHeadnodesTable {
  id: Generated<number>;
  name: string;
  project_id: number;
  base_img: string;
  uuid: string;
  frozen: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: ColumnType<Date, never, never>;
}

/** One NIC of a HIL headnode, on at most one network. */
export interface HilHnicsTable {
  id: Generated<number>;
  headnode_id: number;
  label: string;
  network_id: number | null;
}

export type HilHeadnodeRow = Selectable<HilHeadnodesTable>;
export type HilHnicRow = Selectable<HilHnicsTable>;
