import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type NetworkingActionType = 'modify_port' | 'revert_port';
export type NetworkingActionStatus = 'PENDING' | 'DONE' | 'ERROR';

/**
 * A requested switch-port change (HIL's networking action). The API records it
 * PENDING; a workflow carries it out and marks it DONE or ERROR. Node, NIC and
 * network names are copied so the status stays readable after deletes.
 */
export interface NetworkingActionsTable {
  id: Generated<string>;
  type: NetworkingActionType;
  nic_id: number | null;
  node: string;
  nic: string;
  channel: string;
  new_network_id: number | null;
  /** Network label: for modify_port, the network to attach (null = detach `channel`). */
  new_network: string | null;
  status: ColumnType<NetworkingActionStatus, NetworkingActionStatus | undefined, NetworkingActionStatus>;
  error: string | null;
  created_at: ColumnType<Date, never, never>;
  finished_at: ColumnType<Date | null, never, Date | null>;
}

export type NetworkingActionRow = Selectable<NetworkingActionsTable>;
export type NewNetworkingActionRow = Insertable<NetworkingActionsTable>;
export type NetworkingActionRowUpdate = Updateable<NetworkingActionsTable>;
