import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  created_at: ColumnType<Date, never, never>;
}

export type ProjectRow = Selectable<ProjectsTable>;
export type NewProjectRow = Insertable<ProjectsTable>;
export type ProjectRowUpdate = Updateable<ProjectsTable>;
