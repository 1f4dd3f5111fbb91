import type { Kysely } from 'kysely';
import type { Lab } from '../config/lab';
import type { ActivityDeps, Allocator, ConsoleLogStore, CredentialStore, EventSink, NetworkActionStore, Timing } from '../activities/deps';
import type { HeadnodeDriver } from '../drivers/headnode/headnode';
import type { Database } from '../db/database';
import { appendBookingEvent, countStepFailures } from '../db/booking-events';
import { recordLeftovers } from '../db/booking-leftovers';
import { writeBookingSnapshot } from '../db/booking-views';
import { recordHostAccess, recordStep } from '../db/booking-steps';
import { SimLab, type SimLabOptions } from '../sim/lab/lab';
import { simDrivers } from '../sim/lab/drivers';
import { MemoryAllocator } from '../sim/lab/allocator';
import { labFileInventory, type Inventory } from '../activities/inventory';
import { bmcConsoles } from '../drivers/console/bmc-console';
import { NotFoundError } from '../db/errors';
import type { SwitchDriver } from '../drivers/switch/switch';

/** The simulated lab's devices accept any credential; the store still goes through the look-up path. */
export const simCredentials: CredentialStore = {
  get: (name) => Promise.resolve({ username: `${name}-user`, password: `${name}-secret` }),
};

/**
 * A lab with simulated and real parts (the simulated lab with nodes registered through HIL's API):
 * a credential sealed in PostgreSQL when there is one, else the simulated lab's.
 */
export function sealedOrSimulated(sealed: CredentialStore): CredentialStore {
  return {
    async get(name) {
      try {
        return await sealed.get(name);
      } catch (err) {
        if (err instanceof NotFoundError) return simCredentials.get(name);
        throw err;
      }
    },
    ...(sealed.set ? { set: sealed.set.bind(sealed) } : {}),
  };
}

export function databaseEvents(db: Kysely<Database>): EventSink {
  return {
    append: (e) => appendBookingEvent(db, e),
    leftovers: (bookingId, leftovers) => recordLeftovers(db, bookingId, leftovers),
    view: (bookingId, runId, snapshot) => writeBookingSnapshot(db, bookingId, runId, snapshot),
    step: (write) => recordStep(db, write),
    hostAccess: (access) => recordHostAccess(db, access),
    stepFailures: (q) => countStepFailures(db, q),
  };
}

export interface SimDeps {
  simLab: SimLab;
  deps: ActivityDeps;
}

export interface SimDepsOptions extends SimLabOptions {
  timing?: Partial<Timing>;
  /** PostgreSQL allocation and inventory (as in a running lab); in memory from the lab file when absent. */
  allocator?: Allocator;
  inventory?: Inventory;
  networkActions?: NetworkActionStore;
  /** Device credentials; the simulated lab's (any value) when absent. */
  credentials?: CredentialStore;
  consoleLogs?: ConsoleLogStore;
  /** The lab's headnode driver, when not the simulated one (HIL's headnodes on libvirt). */
  headnode?: HeadnodeDriver;
  /** Real switch drivers beside the simulated one (switches registered through /v0 at a simulator of their own). */
  switchDrivers?: Record<string, SwitchDriver>;
}

/** Activity dependencies on a simulated lab: in-process devices; allocation and inventory in PostgreSQL or in memory. */
export function simLabDeps(lab: Lab, events: EventSink, options: SimDepsOptions = {}): SimDeps {
  const simLab = new SimLab(lab, options);
  const drivers = simDrivers(simLab);
  return {
    simLab,
    deps: {
      labName: lab.name,
      inventory: options.inventory ?? labFileInventory(lab),
      drivers: { ...drivers, switches: { ...options.switchDrivers, ...drivers.switches }, ...(options.headnode ? { headnode: options.headnode } : {}), console: bmcConsoles() },
      credentials: options.credentials ?? simCredentials,
      ...(options.consoleLogs ? { consoleLogs: options.consoleLogs } : {}),
      allocator: options.allocator ?? new MemoryAllocator(lab),
      ...(options.networkActions ? { networkActions: options.networkActions } : {}),
      events,
      timing: { imagingPollMs: 200, imagingTimeoutMs: 60 * 60_000, rebootTimeoutMs: 10 * 60_000, ...options.timing },
      hostLogin: { username: 'root', privateKey: 'sim' },
    },
  };
}
