import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface PortsTable {
  id: Generated<number>;
  switch_id: number;
  /** Unique per switch; may contain slashes (Ethernet1/34, gi1/0/1). */
  label: string;
  /** The NIC cabled to this port (at most one, and a NIC to at most one port). */
  nic_id: number | null;
}

export type PortRow = Selectable<PortsTable>;
export type NewPortRow = Insertable<PortsTable>;
export type PortRowUpdate = Updateable<PortsTable>;
