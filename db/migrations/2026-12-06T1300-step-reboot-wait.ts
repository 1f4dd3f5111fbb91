import type { Kysely } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // How long a running step has waited for its host to come back from a reboot (the network
  // step reboots to apply its files): progress the API, watch and show report while it lasts.
  await db.schema.alterTable('booking_host_steps').addColumn('reboot_wait_ms', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('booking_host_steps').dropColumn('reboot_wait_ms').execute();
}
