import { sql, type Kysely } from 'kysely';
import type { Database } from './database';

/** Shapes match activities/inventory.ts (db/ may not import activities; the worker joins them). */
export interface DbInventoryHost {
  name: string;
  flavor: string | null;
  bmc: { type: string; address: string; port: number; credential: string };
  nics: { name: string; mac: string | null; switch: string; port: string }[];
  ssh: { address: string; port: number };
  imagingName: string;
}

/** Hosts, switches and images of one lab as the workers see them, read from the inventory tables. */
export function databaseInventory(db: Kysely<Database>, lab: string) {
  const labId = db.selectFrom('labs').select('id').where('name', '=', lab);
  return {
    async host(name: string): Promise<DbInventoryHost | null> {
      const h = await db.selectFrom('hosts').selectAll().where('lab_id', '=', labId).where('name', '=', name).executeTakeFirst();
      if (!h) return null;
      const nics = await db
        .selectFrom('nics')
        .innerJoin('ports', 'ports.nic_id', 'nics.id')
        .innerJoin('switches', 'switches.id', 'ports.switch_id')
        .select(['nics.label', 'nics.os_name', 'nics.mac', 'switches.name as switch', 'ports.label as port'])
        .where('nics.host_id', '=', h.id)
        .orderBy('nics.label')
        .execute();
      return {
        name: h.name,
        flavor: h.flavor,
        bmc: { type: h.bmc_type ?? 'ipmi', address: h.bmc_address ?? '', port: h.bmc_port ?? 623, credential: h.bmc_credential ?? '' },
        nics: nics.map((n) => ({ name: n.os_name ?? n.label, mac: n.mac, switch: n.switch, port: n.port })),
        ssh: { address: h.ssh_address ?? '', port: h.ssh_port ?? 22 },
        imagingName: h.imaging_name ?? h.name,
      };
    },
    async switchOf(name: string) {
      const s = await db.selectFrom('switches').selectAll().where('lab_id', '=', labId).where('name', '=', name).executeTakeFirst();
      if (!s) return null;
      return { name: s.name, type: s.type, address: s.address, ...(s.port ? { port: s.port } : {}), credential: s.credential ?? '', options: s.options };
    },
    async image(name: string) {
      const i = await db.selectFrom('images').selectAll().where('lab_id', '=', labId).where('name', '=', name).executeTakeFirst();
      return i ? { name: i.name, imagingId: i.imaging_id, osFamily: i.os_family } : null;
    },
    async setMaintenance(name: string, reason: string): Promise<void> {
      await db
        .updateTable('hosts')
        // Kept in metadata so `laas host show` tells operators why the host left service.
        .set({ state: 'maintenance', updated_at: new Date(), metadata: sql`metadata || ${JSON.stringify({ maintenance_reason: reason })}::jsonb` })
        .where('lab_id', '=', labId)
        .where('name', '=', name)
        .execute();
    },
  };
}
