import type { ColumnType, Insertable, Selectable } from 'kysely';

export interface BookingHostStepsTable {
  booking_id: string;
  /** Empty for the booking's own steps (vpn, headnode). */
  host: string;
  step: string;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  attempt: number | null;
  progress: number | null;
  /** While a running step waits for its host to come back from a reboot: how long so far. */
  reboot_wait_ms: ColumnType<number | null, number | null | undefined, number | null>;
  error: ColumnType<{ type: string; message: string } | null, string | null, string | null>;
  /** bigint: the attempt's scheduled time in ms × 1000 plus a counter; comes back as a string. */
  ordinal: ColumnType<string, number | string, number | string>;
}

export type BookingHostStep = Selectable<BookingHostStepsTable>;
export type NewBookingHostStep = Insertable<BookingHostStepsTable>;
