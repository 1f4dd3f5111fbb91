import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface LabsTable {
  id: Generated<number>;
  name: string;
  max_lease_hours: ColumnType<number, number | undefined, number>;
  headnode_image: string | null;
  created_at: ColumnType<Date, never, never>;
}

export type LabRow = Selectable<LabsTable>;
export type NewLabRow = Insertable<LabsTable>;
export type LabRowUpdate = Updateable<LabsTable>;
