import type { ColumnType, Insertable, Selectable } from 'kysely';

export interface BookingViewHostsTable {
  booking_id: string;
  host: string;
  address: string;
  addresses: ColumnType<string[], string, string>;
  login_user: string;
  port: ColumnType<number, number | undefined, number>;
}

export type BookingViewHost = Selectable<BookingViewHostsTable>;
export type NewBookingViewHost = Insertable<BookingViewHostsTable>;
