import type { Kysely } from 'kysely';
import type { Lab } from '../../../config/lab';
import type { ActivityDeps, Drivers, Timing } from '../../../activities/deps';
import type { Keyring } from '../../../db/crypto';
import type { Database } from '../../../db/database';
import { MemoryHostKeyStore } from '../../../drivers/host/host-key-book';
import { buildDrivers } from '../../../workers/drivers';
import { databaseAllocator, databaseCredentials, inventoryOf } from '../../../workers/inventory-deps';
import { databaseEvents } from '../../../workers/sim-deps';

/** Timing for tests: the FOG task is polled often so a booking does not wait out a 2 s poll. */
export const E2E_TIMING: Timing = { imagingPollMs: 200, imagingTimeoutMs: 5 * 60_000, rebootTimeoutMs: 2 * 60_000 };

/**
 * The activity dependencies of a worker for a real lab, put together as workers/main.ts does
 * (database inventory, credentials and allocator; drivers built from the lab description; host
 * keys remembered at first contact). `wrap` lets a test observe the real drivers it passes on.
 */
export async function realLabDeps(
  lab: Lab,
  db: Kysely<Database>,
  keyring: Keyring,
  options: { timing?: Partial<Timing>; wrap?: (drivers: Drivers) => Drivers } = {},
): Promise<ActivityDeps> {
  const inventory = inventoryOf(db, lab.name);
  const credentials = databaseCredentials(db, keyring);
  const hostKeys = new MemoryHostKeyStore();
  const built = await buildDrivers(lab, inventory, credentials, { hostKeys });
  if (built.simLab) throw new Error(`lab ${lab.name} is not all real devices`);
  return {
    labName: lab.name,
    inventory,
    drivers: options.wrap ? options.wrap(built.drivers) : built.drivers,
    credentials,
    allocator: databaseAllocator(db),
    events: databaseEvents(db),
    timing: { ...E2E_TIMING, ...options.timing },
    hostLogin: built.hostLogin,
    hostKeys,
  };
}
