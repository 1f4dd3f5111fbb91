import type { Migration } from 'kysely';
import * as m20261121T1900 from './2026-11-21T1900-booking-events';

/** Every migration, by its frozen name; names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '2026-11-21T1900-booking-events': m20261121T1900,
};
