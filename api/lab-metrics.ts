import { Gauge, type Registry } from 'prom-client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import { BOOKING_STATES, labFigures, type LabFigures } from '../db/metrics';

/** One read of the database serves every gauge of one scrape (prom-client collects them at once). */
function sharedRead(db: Kysely<Database>): () => Promise<LabFigures> {
  let last: { at: number; figures: Promise<LabFigures> } | null = null;
  return () => {
    if (!last || Date.now() - last.at > 1_000) last = { at: Date.now(), figures: labFigures(db) };
    return last.figures;
  };
}

/**
 * laas's own gauges on the API's /metrics, computed from PostgreSQL at each scrape (so they
 * survive restarts and agree across API replicas): bookings by state, holds, leftovers of failed
 * undos, hosts by state (maintenance), hosts and VLANs allocated now.
 */
export function registerLabGauges(registry: Registry, db: Kysely<Database>): void {
  const read = sharedRead(db);
  const gauge = <L extends string>(name: string, help: string, labelNames: L[], fill: (g: Gauge<L>, f: LabFigures) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        // PostgreSQL away: these gauges are left out of the scrape, the process's own metrics stay.
        const figures = await read().catch(() => null);
        this.reset();
        if (figures) fill(this, figures);
      },
    });
  gauge('laas_bookings', 'Bookings by lab and state (the read model)', ['lab', 'state'], (g, f) => {
    for (const lab of new Set([...f.allocations.map((a) => a.lab), ...f.bookings.map((b) => b.lab)])) {
      for (const state of BOOKING_STATES) g.set({ lab, state }, 0);
    }
    for (const b of f.bookings) g.set({ lab: b.lab, state: b.state }, b.count);
  });
  gauge('laas_hosts_held', 'Hosts whose failed step waits for an operator (laas bookings hold answer)', ['lab'], (g, f) => {
    for (const a of f.allocations) g.set({ lab: a.lab }, 0);
    for (const h of f.heldHosts) g.set({ lab: h.lab }, h.count);
  });
  gauge('laas_cleanup_leftovers', 'Undo steps that failed and wait for laas cleanup (bookings in needs_cleanup)', ['lab'], (g, f) => {
    for (const a of f.allocations) g.set({ lab: a.lab }, 0);
    for (const l of f.leftovers) g.set({ lab: l.lab }, l.count);
  });
  gauge('laas_hosts', 'Inventory hosts by lab and state (available, maintenance, retired)', ['lab', 'state'], (g, f) => {
    for (const a of f.allocations) for (const state of ['available', 'maintenance', 'retired']) g.set({ lab: a.lab, state }, 0);
    for (const h of f.hosts) g.set({ lab: h.lab, state: h.state }, h.count);
  });
  gauge('laas_hosts_allocated', 'Hosts held by a booking or project allocation now', ['lab'], (g, f) => {
    for (const a of f.allocations) g.set({ lab: a.lab }, a.hosts);
  });
  gauge('laas_vlans_allocated', 'Pool VLANs held by a booking or network now', ['lab'], (g, f) => {
    for (const a of f.allocations) g.set({ lab: a.lab }, a.vlans);
  });
  gauge('laas_vlan_pool_size', 'VLANs in the lab pool', ['lab'], (g, f) => {
    for (const a of f.allocations) g.set({ lab: a.lab }, a.vlanPool);
  });
}
