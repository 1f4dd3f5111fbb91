import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A switch's type names its driver. */
export type SwitchType = 'nxos' | 'nxapi' | 'os10' | 'ovs' | 'sim' | 'delln3000' | 'powerconnect55xx' | 'dellnos9' | 'brocade';

export interface SwitchesTable {
  id: Generated<number>;
  lab_id: number;
  name: string;
  type: SwitchType;
  address: string;
  port: number | null;
  /** Driver options that are not secret (e.g. OVS bridge name). */
  options: ColumnType<Record<string, string>, string | undefined, string>;
  /** Name of the credentials row holding the switch user and password. */
  credential: string | null;
  created_at: ColumnType<Date, never, never>;
}

export type SwitchRow = Selectable<SwitchesTable>;
export type NewSwitchRow = Insertable<SwitchesTable>;
export type SwitchRowUpdate = Updateable<SwitchesTable>;
