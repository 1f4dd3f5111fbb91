import type { ColumnType, Selectable } from 'kysely';

type Json<T> = ColumnType<T, string, string>;

/** A bond group of a template host: the NICs (by name) and the networks (by name) on them. */
export interface BondGroup {
  connections: { tagged: boolean; connects_to: string }[];
  ifaces: { name: string }[];
}

/** One host of a template, as the dashboard designs it (flavor and image are liblaas ids). */
export interface TemplateHost {
  hostname: string;
  flavor: string;
  image: string;
  cifile: string[];
  bondgroups: BondGroup[];
}

export interface LiblaasTemplatesTable {
  id: string;
  project: string;
  owner: string | null;
  name: string;
  description: string;
  public: boolean;
  hosts: Json<TemplateHost[]>;
  networks: Json<{ name: string; public: boolean }[]>;
  deleted: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: ColumnType<Date, never, never>;
}

export interface LiblaasAggregatesTable {
  id: string;
  project: string;
  template_id: string;
  users: Json<string[]>;
  metadata: Json<Record<string, unknown>>;
  created_at: ColumnType<Date, never, never>;
}

export interface LiblaasInstancesTable {
  id: string;
  aggregate_id: string;
  slot: number;
  hostname: string;
  image_id: ColumnType<string, string, string>;
}

export type LiblaasTemplateRow = Selectable<LiblaasTemplatesTable>;
export type LiblaasAggregateRow = Selectable<LiblaasAggregatesTable>;
export type LiblaasInstanceRow = Selectable<LiblaasInstancesTable>;
