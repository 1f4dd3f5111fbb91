import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allocateBooking, extendBooking, readBookingAllocation, releaseBooking } from '../../db/allocations';
import { InventoryError } from '../../db/errors';
import { ensureLab, setVlanPool } from '../../db/labs';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

const day = (n: number) => new Date(Date.UTC(2030, 0, 1 + n));
const range = (from: number, to: number) => ({ start: day(from), end: day(to) });

async function typeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof InventoryError) return err.type;
    throw err;
  }
}

describe('booking allocation', () => {
  let t: TempDatabase;

  async function holdings() {
    const hosts = await t.db.selectFrom('host_allocations').select(['booking_id']).execute();
    const vlans = await t.db.selectFrom('vlan_allocations').select(['booking_id']).execute();
    const bookings = await t.db.selectFrom('bookings').select('id').execute();
    return { hosts: hosts.length, vlans: vlans.length, bookings: bookings.length };
  }

  beforeAll(async () => {
    t = await createTempDatabase({ max: 25 });
  });
  afterAll(async () => {
    await t?.drop();
  });
  beforeEach(async () => {
    await t.db.deleteFrom('host_allocations').execute();
    await t.db.deleteFrom('vlan_allocations').execute();
    await t.db.deleteFrom('bookings').execute();
    await t.db.deleteFrom('hosts').execute();
    await t.db.deleteFrom('vlan_pool').execute();
    await t.db.deleteFrom('labs').execute();
    const lab = await ensureLab(t.db, 'lab1');
    await t.db.updateTable('labs').set({ max_lease_hours: 24 * 30 }).execute();
    const host = (name: string, flavor: string, extra: Record<string, unknown> = {}) => ({
      lab_id: lab.id,
      name,
      flavor,
      attributes: JSON.stringify(extra.attributes ?? {}),
      state: (extra.state as 'available' | 'maintenance' | undefined) ?? 'available',
    });
    await t.db
      .insertInto('hosts')
      .values([
        host('h1', 'small'),
        host('h2', 'small'),
        host('h3', 'small', { attributes: { gpu: 'a100', ram: 512 } }),
        host('h4', 'big'),
        host('h5', 'small', { state: 'maintenance' }),
      ])
      .execute();
    await setVlanPool(t.db, lab.id, [100, 101, 102, 103]);
  });

  it('allocates named and flavored hosts with VLANs, and the same booking id again returns the same allocation', async () => {
    const first = await allocateBooking(t.db, {
      bookingId: 'b1',
      hosts: [{ name: 'h2' }, { flavor: 'small' }, { flavor: 'small', attributes: { gpu: 'a100' } }],
      networks: ['public', 'private'],
      range: range(0, 7),
    });
    expect(first.lab).toBe('lab1');
    expect(first.hosts.map((h) => h.name)).toEqual(['h2', 'h1', 'h3']);
    expect(first.vlans).toEqual([
      { vlan: 100, network: 'public' },
      { vlan: 101, network: 'private' },
    ]);
    expect(first.range).toEqual(range(0, 7));

    const again = await allocateBooking(t.db, { bookingId: 'b1', hosts: [{ flavor: 'small' }], vlanCount: 3, range: range(1, 2) });
    expect(again).toEqual(first);
    expect(await holdings()).toEqual({ hosts: 3, vlans: 2, bookings: 1 });
  });

  it('takes requested VLAN ids from the pool, and refuses one another booking holds, allocating nothing', async () => {
    const first = await allocateBooking(t.db, { bookingId: 'r1', hosts: [{ name: 'h1' }], networks: ['vlan-102', 'other'], requestedVlans: { 'vlan-102': 102 }, range: range(0, 7) });
    expect([...first.vlans].sort((a, b) => a.vlan - b.vlan)).toEqual([
      { vlan: 100, network: 'other' },
      { vlan: 102, network: 'vlan-102' },
    ]);
    const refused = allocateBooking(t.db, { bookingId: 'r2', hosts: [{ name: 'h2' }], networks: ['vlan-102'], requestedVlans: { 'vlan-102': 102 }, range: range(6, 9) });
    await expect(refused).rejects.toMatchObject({ type: 'VlanUnavailable', details: { vlan: 102, conflict: { start: day(0), end: day(7) } } });
    expect(await holdings()).toEqual({ hosts: 1, vlans: 2, bookings: 1 });
    expect(await typeOf(allocateBooking(t.db, { bookingId: 'r3', hosts: [{ name: 'h2' }], networks: ['n'], requestedVlans: { n: 999 }, range: range(0, 1) }))).toBe('BadArgumentError');
    const after = await allocateBooking(t.db, { bookingId: 'r4', hosts: [{ name: 'h2' }], networks: ['vlan-102'], requestedVlans: { 'vlan-102': 102 }, range: range(7, 9) });
    expect(after.vlans).toEqual([{ vlan: 102, network: 'vlan-102' }]);
  });

  it('refuses a taken host with its conflicting range, and allows back-to-back ranges', async () => {
    await allocateBooking(t.db, { bookingId: 'a', hosts: [{ name: 'h1' }], range: range(0, 7) });
    const refused = allocateBooking(t.db, { bookingId: 'b', hosts: [{ name: 'h1' }], range: range(6, 9) });
    await expect(refused).rejects.toMatchObject({ type: 'HostUnavailable', details: { host: 'h1', conflict: { start: day(0), end: day(7) } } });
    const next = await allocateBooking(t.db, { bookingId: 'c', hosts: [{ name: 'h1' }], range: range(7, 9) });
    expect(next.hosts).toEqual([{ name: 'h1', flavor: 'small' }]);
  });

  it('names what is wrong: unknown host, host in maintenance, no host of a flavor, no VLAN left', async () => {
    expect(await typeOf(allocateBooking(t.db, { bookingId: 'x1', hosts: [{ name: 'nope' }], range: range(0, 1) }))).toBe('UnknownHost');
    expect(await typeOf(allocateBooking(t.db, { bookingId: 'x2', hosts: [{ name: 'h5' }], range: range(0, 1) }))).toBe('HostUnavailable');
    expect(await typeOf(allocateBooking(t.db, { bookingId: 'x3', hosts: [{ flavor: 'big' }, { flavor: 'big' }], range: range(0, 1) }))).toBe('NoFreeHost');
    expect(await typeOf(allocateBooking(t.db, { bookingId: 'x4', hosts: [{ name: 'h1' }], vlanCount: 5, range: range(0, 1) }))).toBe('NoFreeVlan');
    expect(await typeOf(allocateBooking(t.db, { bookingId: 'x5', hosts: [{ name: 'h1' }], range: range(0, 31) }))).toBe('LeaseTooLong');
    expect(await typeOf(allocateBooking(t.db, { bookingId: 'x6', hosts: [{ name: 'h1' }], range: range(3, 1) }))).toBe('BadArgumentError');
    // Every refusal rolled back whatever it had taken before failing.
    expect(await holdings()).toEqual({ hosts: 0, vlans: 0, bookings: 0 });
  });

  it('extends, refusing an extension into another booking with the conflicting range', async () => {
    await allocateBooking(t.db, { bookingId: 'a', hosts: [{ name: 'h1' }], vlanCount: 1, range: range(0, 2) });
    const extended = await extendBooking(t.db, 'a', day(5));
    expect(extended.range).toEqual(range(0, 5));
    await allocateBooking(t.db, { bookingId: 'b', hosts: [{ name: 'h1' }], range: range(6, 8) });
    await expect(extendBooking(t.db, 'a', day(7))).rejects.toMatchObject({
      type: 'HostUnavailable',
      details: { host: 'h1', conflict: { start: day(6), end: day(8) } },
    });
    expect((await readBookingAllocation(t.db, 'a'))?.range).toEqual(range(0, 5));
    expect(await typeOf(extendBooking(t.db, 'a', day(40)))).toBe('LeaseTooLong');
    expect(await typeOf(extendBooking(t.db, 'nope', day(4)))).toBe('UnknownBooking');
  });

  it('releases idempotently, freeing the host and VLAN for the next booking', async () => {
    await allocateBooking(t.db, { bookingId: 'a', hosts: [{ name: 'h4' }], vlanCount: 4, range: range(0, 5) });
    expect(await releaseBooking(t.db, 'a')).toEqual({ released: true });
    expect(await releaseBooking(t.db, 'a')).toEqual({ released: false });
    expect(await releaseBooking(t.db, 'never-allocated')).toEqual({ released: false });
    const next = await allocateBooking(t.db, { bookingId: 'b', hosts: [{ name: 'h4' }], vlanCount: 4, range: range(0, 5) });
    expect(next.vlans.map((v) => v.vlan)).toEqual([100, 101, 102, 103]);
    expect(await typeOf(allocateBooking(t.db, { bookingId: 'a', hosts: [{ name: 'h1' }], range: range(0, 1) }))).toBe('BookingReleased');
    expect(await typeOf(extendBooking(t.db, 'a', day(9)))).toBe('BookingReleased');
  });

  it('is guarded by PostgreSQL itself: an overlapping row inserted by hand is refused', async () => {
    await allocateBooking(t.db, { bookingId: 'a', hosts: [{ name: 'h1' }], range: range(0, 5) });
    await t.db.insertInto('bookings').values({ id: 'rogue', during: sql<string>`tstzrange(${day(0)}::timestamptz, ${day(9)}::timestamptz)` }).execute();
    const host = await t.db.selectFrom('hosts').select('id').where('name', '=', 'h1').executeTakeFirstOrThrow();
    const insert = t.db
      .insertInto('host_allocations')
      .values({ host_id: host.id, booking_id: 'rogue', during: sql<string>`tstzrange(${day(4)}::timestamptz, ${day(9)}::timestamptz)` })
      .execute();
    await expect(insert).rejects.toMatchObject({ code: '23P01', constraint: 'host_allocations_no_overlap' });
  });

  describe('under 50 simultaneous attempts', () => {
    async function overlappingPairs(table: 'host_allocations' | 'vlan_allocations', key: 'host_id' | 'vlan_pool_id') {
      const rows = await sql<{ n: string }>`
        select count(*) as n from ${sql.table(table)} a join ${sql.table(table)} b
          on a.${sql.ref(key)} = b.${sql.ref(key)} and a.id < b.id and a.during && b.during`.execute(t.db);
      return Number(rows.rows[0]?.n);
    }

    it('exactly one booking gets the same host', async () => {
      const attempts = Array.from({ length: 50 }, (_, i) =>
        allocateBooking(t.db, { bookingId: `race-${i}`, hosts: [{ name: 'h1' }], range: range(i % 5, 10 + (i % 7)) }),
      );
      const results = await Promise.allSettled(attempts);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(49);
      for (const err of lost) expect(err).toMatchObject({ type: 'HostUnavailable' });
      expect(await overlappingPairs('host_allocations', 'host_id')).toBe(0);
      expect(await holdings()).toEqual({ hosts: 1, vlans: 0, bookings: 1 });
    });

    it('exactly one booking gets the last free VLAN', async () => {
      await allocateBooking(t.db, { bookingId: 'holder', hosts: [], vlanCount: 3, range: range(0, 20) });
      const attempts = Array.from({ length: 50 }, (_, i) =>
        allocateBooking(t.db, { bookingId: `vrace-${i}`, hosts: [], vlanCount: 1, range: range(i % 5, 10 + (i % 7)) }),
      );
      const results = await Promise.allSettled(attempts);
      const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(won[0]?.vlans).toEqual([{ vlan: 103, network: null }]);
      for (const err of lost) expect(err).toMatchObject({ type: 'NoFreeVlan' });
      expect(lost).toHaveLength(49);
      expect(await overlappingPairs('vlan_allocations', 'vlan_pool_id')).toBe(0);
      expect(await holdings()).toEqual({ hosts: 0, vlans: 4, bookings: 2 });
    });
  });
});
