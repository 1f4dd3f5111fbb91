import type { Insertable, Selectable } from 'kysely';

/** Project membership: a member may act on the project's nodes and networks. */
export interface UserProjectsTable {
  user_id: number;
  project_id: number;
}

export type UserProjectRow = Selectable<UserProjectsTable>;
export type NewUserProjectRow = Insertable<UserProjectsTable>;
