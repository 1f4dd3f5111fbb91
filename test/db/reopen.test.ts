/**
 * Reopening a released booking for `laas bookings retry`: the booking row and its history stay,
 * the next allocation takes hosts and VLANs again against everyone else's, or fails whole.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allocateBooking, readBookingAllocation, releaseBooking, reopenBooking } from '../../db/allocations';
import { appendBookingEvent, listBookingEvents } from '../../db/booking-events';
import { ensureLab, setVlanPool } from '../../db/labs';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

const day = (n: number) => new Date(Date.UTC(2030, 0, 1 + n));
const range = (from: number, to: number) => ({ start: day(from), end: day(to) });
const request = { bookingId: 'a', project: 'p1', owner: 'alice', hosts: [{ name: 'h1' }, { flavor: 'small' }], networks: ['public', 'private'], range: range(0, 7) };

describe('reopening a released booking', () => {
  let t: TempDatabase;

  /** Every holding row, as booking:host or booking:vlan. */
  async function holdings(): Promise<string[]> {
    const hosts = await t.db.selectFrom('host_allocations as a').innerJoin('hosts', 'hosts.id', 'a.host_id').select(['a.booking_id', 'hosts.name']).execute();
    const vlans = await t.db.selectFrom('vlan_allocations as a').innerJoin('vlan_pool as p', 'p.id', 'a.vlan_pool_id').select(['a.booking_id', 'p.vlan']).execute();
    return [...hosts.map((h) => `${h.booking_id}:${h.name}`), ...vlans.map((v) => `${v.booking_id}:${v.vlan}`)].sort();
  }

  async function bookingRow(id: string) {
    return t.db.selectFrom('bookings').select(['id', 'project', 'owner', 'released_at', 'created_at']).where('id', '=', id).executeTakeFirst();
  }

  beforeAll(async () => {
    t = await createTempDatabase({ max: 15 });
  });
  afterAll(async () => {
    await t?.drop();
  });
  beforeEach(async () => {
    for (const table of ['host_allocations', 'vlan_allocations', 'booking_events', 'bookings', 'hosts', 'vlan_pool', 'labs'] as const) await t.db.deleteFrom(table).execute();
    const lab = await ensureLab(t.db, 'lab1');
    await t.db.updateTable('labs').set({ max_lease_hours: 24 * 30 }).execute();
    await t.db
      .insertInto('hosts')
      .values(['h1', 'h2', 'h3'].map((name) => ({ lab_id: lab.id, name, flavor: 'small', attributes: '{}', state: 'available' as const })))
      .execute();
    await setVlanPool(t.db, lab.id, [100, 101, 102]);
  });

  it('keeps the booking row and its events, and the next allocation takes its hosts and VLANs again', async () => {
    const first = await allocateBooking(t.db, request);
    await appendBookingEvent(t.db, { bookingId: 'a', key: 'allocated', kind: 'allocated' });
    await appendBookingEvent(t.db, { bookingId: 'a', key: 'state:failed', kind: 'state:failed' });
    await releaseBooking(t.db, 'a');
    const released = await bookingRow('a');
    expect(released?.released_at).not.toBeNull();
    expect(await holdings()).toEqual([]);

    expect(await reopenBooking(t.db, 'a')).toBe('reopened');
    expect(await bookingRow('a')).toEqual({ ...released, released_at: null });
    expect((await listBookingEvents(t.db, 'a')).map((e) => e.kind)).toEqual(['allocated', 'state:failed']);
    // Reopened, it holds nothing until the reset run allocates.
    expect(await readBookingAllocation(t.db, 'a')).toMatchObject({ released: false, hosts: [], vlans: [] });

    const again = await allocateBooking(t.db, request);
    expect(again).toEqual(first);
    expect(await holdings()).toEqual(['a:100', 'a:101', 'a:h1', 'a:h2']);
    // From here on it is an allocated booking like any other: the same request returns it, and it is not reopened.
    expect(await allocateBooking(t.db, request)).toEqual(first);
    await expect(reopenBooking(t.db, 'a')).rejects.toMatchObject({ type: 'BookingNotReleased' });
    expect(await holdings()).toEqual(['a:100', 'a:101', 'a:h1', 'a:h2']);
  });

  it('is idempotent, and a booking never allocated has nothing to reopen', async () => {
    await allocateBooking(t.db, request);
    await releaseBooking(t.db, 'a');
    expect(await reopenBooking(t.db, 'a')).toBe('reopened');
    expect(await reopenBooking(t.db, 'a')).toBe('open');
    expect(await reopenBooking(t.db, 'never-allocated')).toBe('unallocated');
    expect(await bookingRow('never-allocated')).toBeUndefined();
    // Without a reopen a released booking stays released: a late allocation takes nothing back.
    await releaseBooking(t.db, 'a');
    await expect(allocateBooking(t.db, request)).rejects.toMatchObject({ type: 'BookingReleased' });
    expect(await holdings()).toEqual([]);
  });

  it('fails the re-run allocation with HostUnavailable when its host was booked meanwhile, taking nothing', async () => {
    await allocateBooking(t.db, request);
    await releaseBooking(t.db, 'a');
    await allocateBooking(t.db, { bookingId: 'rival', hosts: [{ name: 'h1' }], range: range(5, 9) });
    expect(await reopenBooking(t.db, 'a')).toBe('reopened');

    await expect(allocateBooking(t.db, request)).rejects.toMatchObject({
      type: 'HostUnavailable',
      details: { host: 'h1', conflict: { start: day(5), end: day(9) } },
    });
    expect(await holdings()).toEqual(['rival:h1']);
    // The workflow's undo releases it again, as after any refused allocation.
    expect(await releaseBooking(t.db, 'a')).toEqual({ released: true });
    expect(await readBookingAllocation(t.db, 'a')).toMatchObject({ released: true, hosts: [], vlans: [] });
  });

  it('fails with NoFreeVlan when the VLAN pool was taken meanwhile, leaving its hosts free', async () => {
    await allocateBooking(t.db, request);
    await releaseBooking(t.db, 'a');
    await allocateBooking(t.db, { bookingId: 'rival', hosts: [], vlanCount: 2, range: range(0, 7) });
    await reopenBooking(t.db, 'a');

    await expect(allocateBooking(t.db, request)).rejects.toMatchObject({ type: 'NoFreeVlan', details: { wanted: 2, found: 1 } });
    expect(await holdings()).toEqual(['rival:100', 'rival:101']);
    const other = await allocateBooking(t.db, { bookingId: 'b', hosts: [{ name: 'h1' }, { name: 'h2' }], range: range(0, 7) });
    expect(other.hosts.map((h) => h.name)).toEqual(['h1', 'h2']);
  });

  it('allocates a reopened booking once under simultaneous attempts', async () => {
    await allocateBooking(t.db, request);
    await releaseBooking(t.db, 'a');
    await reopenBooking(t.db, 'a');
    const results = await Promise.all(Array.from({ length: 12 }, () => allocateBooking(t.db, request)));
    for (const r of results) expect(r).toEqual(results[0]);
    expect(await holdings()).toEqual(['a:100', 'a:101', 'a:h1', 'a:h2']);
  });
});
