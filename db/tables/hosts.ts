import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type HostState = 'available' | 'maintenance' | 'retired';

type Json = Record<string, unknown>;

export interface HostsTable {
  id: Generated<number>;
  lab_id: number;
  name: string;
  flavor: string | null;
  /** Free-form hardware facts matched by "any host like this" bookings (jsonb containment). */
  attributes: ColumnType<Json, string | undefined, string>;
  /** HIL's node metadata: label → JSON value. */
  metadata: ColumnType<Json, string | undefined, string>;
  state: ColumnType<HostState, HostState | undefined, HostState>;
  /** BMC: `ipmi` or `sim`; null when the lab file did not say (e.g. an old hosts.json). */
  bmc_type: string | null;
  bmc_address: string | null;
  bmc_port: number | null;
  /** Name of the credentials row holding the BMC user and password. */
  bmc_credential: string | null;
  /** HIL's OBM gate: null = not gated (HIL 0.3 nodes, lab-file hosts); false refuses power and console. */
  obm_enabled: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  ssh_address: string | null;
  ssh_port: number | null;
  /** The host's name on the imaging server (FOG), when it differs. */
  imaging_name: string | null;
  /** The dashboard's id of the host (hosts.json dashboard_id / laas_id). */
  external_id: string | null;
  /** Default imaging ids per OS, from hosts.json (ubuntu, centos, suse). */
  default_images: ColumnType<Json, string | undefined, string>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type HostRow = Selectable<HostsTable>;
export type NewHostRow = Insertable<HostsTable>;
export type HostRowUpdate = Updateable<HostsTable>;
