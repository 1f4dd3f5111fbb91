import type { Kysely } from 'kysely';
import { readFileSync } from 'node:fs';
import type { Allocator, ConsoleLogStore, CredentialStore, NetworkActionStore } from '../activities/deps';
import { appendConsoleLog, markConsoleLog } from '../db/console-logs';
import { finishNetworkAction, networkActionPlan } from '../db/network-actions';
import type { Inventory } from '../activities/inventory';
import type { Database } from '../db/database';
import { allocateBooking, extendBooking, releaseBooking, substituteHost } from '../db/allocations';
import { getCredential, setCredential, type DeviceCredential } from '../db/credentials';
import type { Keyring } from '../db/crypto';
import { databaseInventory } from '../db/inventory';
import { waitingForDatabase } from '../db/outage';
import { portRefusal } from '../drivers/switch/port-rules';
import { importLab, type ImportReport } from '../db/lab-import';
import { readLabFile } from '../db/lab-plan';

/** Allocation in PostgreSQL: exclusion constraints make a double booking impossible across every worker. */
export function databaseAllocator(db: Kysely<Database>): Allocator {
  return {
    async allocate(r) {
      const a = await allocateBooking(db, {
        bookingId: r.bookingId,
        ...(r.lab ? { lab: r.lab } : {}),
        ...(r.project ? { project: r.project } : {}),
        ...(r.owner ? { owner: r.owner } : {}),
        hosts: r.hosts,
        networks: r.networks,
        ...(r.requestedVlans ? { requestedVlans: r.requestedVlans } : {}),
        range: { start: r.start, end: r.end },
      });
      const vlans: Record<string, number> = {};
      for (const v of a.vlans) if (v.network) vlans[v.network] = v.vlan;
      return { hosts: a.hosts.map((h) => h.name), vlans };
    },
    substitute: (request) => substituteHost(db, request),
    async extend(bookingId, end) {
      await extendBooking(db, bookingId, end);
    },
    async release(bookingId) {
      await releaseBooking(db, bookingId);
    },
  };
}

/** Device credentials sealed in PostgreSQL, opened only inside the activity that needs them. */
// Device steps read the inventory and credentials as they start: during a database outage they
// wait for it (heartbeating) instead of spending the step's attempts on it.
export function databaseCredentials(db: Kysely<Database>, keyring: Keyring): CredentialStore {
  return waitingForDatabase<CredentialStore>({
    get: (name) => getCredential(db, keyring, name),
    set: (name, value) => setCredential(db, keyring, name, value as DeviceCredential),
  });
}

/** Console logs in PostgreSQL (db/console-logs.ts), waiting out a database outage like the rest. */
export function databaseConsoleLogs(db: Kysely<Database>): ConsoleLogStore {
  return waitingForDatabase<ConsoleLogStore>({
    append: (host, bytes) => appendConsoleLog(db, host, bytes),
    mark: (host, state, reason) => markConsoleLog(db, host, state, reason ?? null),
  });
}

export function inventoryOf(db: Kysely<Database>, lab: string): Inventory {
  return waitingForDatabase(databaseInventory(db, lab));
}

/** Bring the inventory in line with a lab description file (idempotent: an unchanged file changes nothing). */
export async function importLabFile(db: Kysely<Database>, path: string): Promise<ImportReport> {
  return importLab(db, readLabFile(readFileSync(path, 'utf8'), path), { portRefusal });
}

/** HIL networking actions as the workflow sees them: the plan from the tables, the outcome back into them. */
export function databaseNetworkActions(db: Kysely<Database>): NetworkActionStore {
  return {
    async plan(id) {
      const p = await networkActionPlan(db, id);
      return { id: p.id, type: p.type, channel: p.channel, switch: p.switch, port: p.port, network: p.network, current: p.current };
    },
    async finish(id, outcome) {
      await finishNetworkAction(db, id, outcome);
    },
  };
}
