import { api, optional } from './api';
import type { BookingSummary, Hold, HostRow } from './types';

export interface BookingFilter {
  state?: string;
  project?: string;
  owner?: string;
  host?: string;
}

/** Every booking matching the filter (your projects only: the API scopes the list), following the cursor. */
export async function listBookings(filter: BookingFilter = {}, maxPages = 10): Promise<BookingSummary[]> {
  const out: BookingSummary[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const q = new URLSearchParams({ limit: '100' });
    for (const [k, v] of Object.entries(filter) as [string, string | undefined][]) if (v) q.set(k, v);
    if (cursor) q.set('cursor', cursor);
    const res: { bookings: BookingSummary[]; nextCursor: string | null } = await api(`/bookings?${q.toString()}`);
    out.push(...res.bookings);
    cursor = res.nextCursor;
    if (!cursor) break;
  }
  return out;
}

type RawHost = {
  name: string;
  flavor?: string;
  state?: string;
  /** GET /v1/hosts (LabHost): who holds the host now or later; another project's booking shows without its id. */
  heldBy?: Hold[];
};

/**
 * One row per host: the lab's hosts from `GET /v1/hosts` with their maintenance state and
 * project holds, when the API has that route; else the hosts the listed bookings name.
 */
export async function hostRows(bookings: BookingSummary[]): Promise<{ rows: HostRow[]; fromInventory: boolean }> {
  const listed = await optional<RawHost[] | { hosts: RawHost[] }>('/hosts').catch(() => null);
  if (listed) {
    const hosts = Array.isArray(listed) ? listed : listed.hosts;
    const rows = hosts.map((h) => ({
      name: h.name,
      flavor: h.flavor,
      state: h.state ?? 'available',
      maintenance: h.state === 'maintenance',
      // A booking the caller sees is drawn as its bar; the rest are projects' holds (HIL, or bookings of other projects).
      holds: (h.heldBy ?? []).filter((x) => !x.bookingId),
    }));
    return { rows: rows.sort((a, b) => a.name.localeCompare(b.name)), fromInventory: true };
  }
  const names = [...new Set(bookings.flatMap((b) => b.hosts))].sort();
  return { rows: names.map((name) => ({ name, state: 'available', maintenance: false, holds: [] })), fromInventory: false };
}
