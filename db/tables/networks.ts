import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface NetworksTable {
  id: Generated<number>;
  lab_id: number;
  name: string;
  /** Owning project; null means the administrators own it (HIL's owner "admin"). */
  owner_project_id: number | null;
  vlan: number;
  /** The VLAN came from the lab's pool (and goes back to it on delete). */
  from_pool: boolean;
  /** Any project may use it (HIL: created with an empty access list). */
  public: boolean;
  created_at: ColumnType<Date, never, never>;
}

export type NetworkRow = Selectable<NetworksTable>;
export type NewNetworkRow = Insertable<NetworksTable>;
export type NetworkRowUpdate = Updateable<NetworksTable>;
