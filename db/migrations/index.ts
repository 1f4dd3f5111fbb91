import type { Migration } from 'kysely';
import * as m20261121T1900 from './2026-11-21T1900-booking-events';
import * as m20261122T0900 from './2026-11-22T0900-inventory';
import * as m20261122T0910 from './2026-11-22T0910-allocations';
import * as m20261122T1200 from './2026-11-22T1200-booking-leftovers';
import * as m20261123T0900 from './2026-11-23T0900-api-access';
import * as m20261205T0200 from './2026-12-05T0200-read-model';
import * as m20261205T0400 from './2026-12-05T0400-hil-clients';
import * as m20261205T0600 from './2026-12-05T0600-platform-faults';
import * as m20261205T0700 from './2026-12-05T0700-liblaas';
import * as m20261206T1100 from './2026-12-06T1100-liblaas-users-in-directory';
import * as m20261206T1300 from './2026-12-06T1300-step-reboot-wait';
import * as m20261206T1550 from './2026-12-06T1550-console-logs';
import * as m20261207T0900 from './2026-12-07T0900-read-model-notify';
import * as m20261208T0900 from './2026-12-08T0900-access-notify';

/** Every migration, by its frozen name; names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '2026-11-21T1900-booking-events': m20261121T1900,
  '2026-11-22T0900-inventory': m20261122T0900,
  '2026-11-22T0910-allocations': m20261122T0910,
  '2026-11-22T1200-booking-leftovers': m20261122T1200,
  '2026-11-23T0900-api-access': m20261123T0900,
  '2026-12-05T0200-read-model': m20261205T0200,
  '2026-12-05T0400-hil-clients': m20261205T0400,
  '2026-12-05T0600-platform-faults': m20261205T0600,
  '2026-12-05T0700-liblaas': m20261205T0700,
  '2026-12-06T1100-liblaas-users-in-directory': m20261206T1100,
  '2026-12-06T1300-step-reboot-wait': m20261206T1300,
  '2026-12-06T1550-console-logs': m20261206T1550,
  '2026-12-07T0900-read-model-notify': m20261207T0900,
  '2026-12-08T0900-access-notify': m20261208T0900,
};
