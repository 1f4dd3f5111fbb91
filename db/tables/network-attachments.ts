import type { Generated, Insertable, Selectable } from 'kysely';

/** A network on a NIC's switch port, on a channel: `vlan/native` (untagged) or `vlan/<id>` (tagged). */
export interface NetworkAttachmentsTable {
  id: Generated<number>;
  network_id: number;
  nic_id: number;
  channel: string;
}

export type NetworkAttachmentRow = Selectable<NetworkAttachmentsTable>;
export type NewNetworkAttachmentRow = Insertable<NetworkAttachmentsTable>;
