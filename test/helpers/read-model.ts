import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database';
import { getBookingView, type BookingViewJson } from '../../db/booking-views';
import { bookingStatusQuery, bookingWorkflowId, hostStatusQuery, hostWorkflowId } from '../../workflows/definitions';

/** What Temporal says of a booking: its state and every host's step statuses (from the host children). */
export async function temporalSide(client: Client, id: string): Promise<{ state: string; hosts: Record<string, string[]> }> {
  const status = await client.workflow.getHandle(bookingWorkflowId(id)).query(bookingStatusQuery);
  const hosts: Record<string, string[]> = {};
  for (const h of status.hosts) {
    const child = await client.workflow.getHandle(hostWorkflowId(id, h.name)).query(hostStatusQuery);
    hosts[h.name] = child.steps.map((s) => s.status);
  }
  return { state: status.state, hosts };
}

/** The same, as the read model in PostgreSQL says it. */
export function readSide(view: BookingViewJson | null): { state: string; hosts: Record<string, string[]> } | null {
  if (!view) return null;
  return { state: view.state, hosts: Object.fromEntries(view.hosts.map((h) => [h.name, h.steps.map((s) => s.status)])) };
}

/**
 * Both sides, once they agree (the read model is written by activities, a moment after the
 * workflow's own state changes), or the last pair seen after `timeoutMs`.
 */
export async function bothSides(client: Client, db: Kysely<Database>, id: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const temporal = await temporalSide(client, id);
    const read = readSide(await getBookingView(db, id));
    if (JSON.stringify(read) === JSON.stringify(temporal) || Date.now() > deadline) return { temporal, read };
    await new Promise((r) => setTimeout(r, 100));
  }
}
