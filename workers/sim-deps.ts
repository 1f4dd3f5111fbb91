import type { Kysely } from 'kysely';
import type { Lab } from '../config/lab';
import type { ActivityDeps, CredentialStore, EventSink, Timing } from '../activities/deps';
import type { Database } from '../db/database';
import { appendBookingEvent } from '../db/booking-events';
import { recordLeftovers } from '../db/booking-leftovers';
import { SimLab, type SimLabOptions } from '../sim/lab/lab';
import { simDrivers } from '../sim/lab/drivers';
import { MemoryAllocator } from '../sim/lab/allocator';

/** The simulated lab's devices accept any credential; the store still goes through the look-up path. */
export const simCredentials: CredentialStore = {
  get: (name) => ({ username: `${name}-user`, password: `${name}-secret` }),
};

export function databaseEvents(db: Kysely<Database>): EventSink {
  return { append: (e) => appendBookingEvent(db, e), leftovers: (bookingId, leftovers) => recordLeftovers(db, bookingId, leftovers) };
}

export interface SimDeps {
  simLab: SimLab;
  deps: ActivityDeps;
}

/** Activity dependencies on a simulated lab: in-process devices, in-memory allocation, events in PostgreSQL. */
export function simLabDeps(lab: Lab, events: EventSink, options: SimLabOptions & { timing?: Partial<Timing> } = {}): SimDeps {
  const simLab = new SimLab(lab, options);
  return {
    simLab,
    deps: {
      lab,
      drivers: simDrivers(simLab),
      credentials: simCredentials,
      allocator: new MemoryAllocator(lab),
      events,
      timing: { imagingPollMs: 200, imagingTimeoutMs: 60 * 60_000, rebootTimeoutMs: 10 * 60_000, ...options.timing },
      hostLogin: { username: 'root', privateKey: 'sim' },
    },
  };
}
