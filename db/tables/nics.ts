import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface NicsTable {
  id: Generated<number>;
  host_id: number;
  /** Unique per host (HIL's nic label). */
  label: string;
  mac: string | null;
  /** PCI bus address, e.g. 0000:01:00.0. */
  bus_address: string | null;
  /** Interface name in the installed OS, e.g. eno1. */
  os_name: string | null;
}

export type NicRow = Selectable<NicsTable>;
export type NewNicRow = Insertable<NicsTable>;
export type NicRowUpdate = Updateable<NicsTable>;
