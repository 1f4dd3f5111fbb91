import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { HostStep, StepRecord } from '../../workflows/types';

type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null, string | null>;

/** One host of a booking as the workflow knows it (steps live in booking_host_steps). */
export interface ViewHost {
  name: string;
  hostname: string;
  image?: string;
  held?: { step: HostStep; until: string };
}

export interface BookingViewsTable {
  id: string;
  lab: string;
  project: string;
  owner: string;
  state: string;
  lease_start: string;
  lease_end: string;
  host_names: ColumnType<string[], string[], string[]>;
  hosts: Json<ViewHost[]>;
  networks: Json<{ name: string; vlan: number | null }[]>;
  booking_steps: Json<StepRecord[]>;
  headnode: NullableJson<{ name: string; console?: { type: string; host: string; port: number } }>;
  vpn_accounts: NullableJson<string[]>;
  credentials_pending: boolean;
  leftovers: Json<{ host: string | null; step: string; error: { type: string; message: string } }[]>;
  error: NullableJson<{ type: string; message: string }>;
  run_id: string;
  seq: number;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type BookingViewRow = Selectable<BookingViewsTable>;
export type NewBookingViewRow = Insertable<BookingViewsTable>;
