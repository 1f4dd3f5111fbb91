import type { Insertable, Selectable } from 'kysely';

/** Projects allowed to attach their nodes to a network. */
export interface NetworkAccessTable {
  network_id: number;
  project_id: number;
}

export type NetworkAccessRow = Selectable<NetworkAccessTable>;
export type NewNetworkAccessRow = Insertable<NetworkAccessTable>;
