/**
 * The API's cache of booking reads: a read is answered from memory until PostgreSQL notifies a
 * change to its booking (the read model's triggers), whoever wrote it; a list until any booking's
 * view changes. Without the listening connection nothing is kept, and a read that a change
 * overtook is not kept either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BookingReadCache, READ_MODEL_CHANNEL } from '../../api/booking-read-cache';
import { listBookingViews, writeBookingSnapshot } from '../../db/booking-views';
import { recordStep } from '../../db/booking-steps';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';
import { bookingSnapshot as snapshot } from './helpers/booking-snapshot';
import { until } from '../helpers/poll';

let t: TempDatabase;
let cache: BookingReadCache;

beforeAll(async () => {
  t = await createTempDatabase();
  cache = new BookingReadCache(t.db, t.url, { reconnectMs: 100 });
  await cache.start();
});
afterAll(async () => {
  await cache?.close();
  await t?.drop();
});

let marks = 0;
/**
 * Writes, then waits until the cache has heard of it: a notification comes a moment after its
 * commit. PostgreSQL delivers a channel's notifications in commit order, so once a mark sent after
 * the write is heard, so is the write (and every earlier one).
 */
async function written(write: () => Promise<unknown>): Promise<void> {
  await write();
  const mark = `mark:${++marks}`;
  await sql`select pg_notify(${READ_MODEL_CHANNEL}, ${mark})`.execute(t.db);
  expect(await until(() => Promise.resolve(cache.lastHeard), (heard) => heard === mark)).toBe(mark);
}

const imagingOf = async (id: string) => (await cache.read(id))?.view.hosts[0]?.steps.find((s) => s.step === 'imaging')?.status;

describe('the booking read cache', () => {
  it('answers a read from memory until PostgreSQL says the booking changed, whoever changed it', async () => {
    await written(() => writeBookingSnapshot(t.db, 'c1', 'run', snapshot(1, 'provisioning')));
    expect((await cache.read('c1'))?.view.state).toBe('provisioning');
    const before = { ...cache.lookups.booking };
    expect((await cache.read('c1'))?.view.state).toBe('provisioning');
    expect(cache.lookups.booking.hit).toBe(before.hit + 1);

    // A change the triggers do not announce is not seen: the read really comes from memory.
    await sql`alter table booking_views disable trigger booking_views_notify`.execute(t.db);
    try {
      await sql`update booking_views set state = 'active' where id = 'c1'`.execute(t.db);
      await new Promise((r) => setTimeout(r, 200));
      expect((await cache.read('c1'))?.view.state).toBe('provisioning');
    } finally {
      await sql`alter table booking_views enable trigger booking_views_notify`.execute(t.db);
    }

    // A snapshot, a step record (as the worker writes them): each announced, each seen at the next read.
    await writeBookingSnapshot(t.db, 'c1', 'run', snapshot(2, 'active'));
    expect((await until(() => cache.read('c1'), (r) => r?.view.state === 'active'))?.view.state).toBe('active');
    await recordStep(t.db, { bookingId: 'c1', host: 'sim-01', step: 'imaging', status: 'running', startedAt: '2026-12-05T01:00:01.000Z', ordinal: 1 });
    expect(await until(() => imagingOf('c1'), (s) => s === 'running')).toBe('running');
    await recordStep(t.db, { bookingId: 'c1', host: 'sim-01', step: 'imaging', status: 'done', finishedAt: '2026-12-05T01:00:09.000Z', ordinal: 2 });
    expect(await until(() => imagingOf('c1'), (s) => s === 'done')).toBe('done');
    expect(await cache.read('missing')).toBeNull();
  });

  it('keeps a list page until a booking view changes; a step record leaves it', async () => {
    const filter = { lab: 'sim', scope: 'all' as const };
    const load = () => listBookingViews(t.db, filter, { limit: 10 });
    const ids = async () => (await cache.list('all', load)).bookings.map((b) => b.id);
    await written(() => writeBookingSnapshot(t.db, 'l1', 'run', snapshot(1, 'scheduled')));
    expect(await ids()).toContain('l1');
    const hits = cache.lookups.list.hit;
    await written(() => recordStep(t.db, { bookingId: 'l1', host: 'sim-01', step: 'power', status: 'running', ordinal: 1 }));
    await ids();
    expect(cache.lookups.list.hit).toBe(hits + 1);
    await writeBookingSnapshot(t.db, 'l2', 'run', snapshot(1, 'scheduled'));
    expect(await until(ids, (v) => v.includes('l2'))).toContain('l2');
  });

  it('does not keep a read that a change overtook while it was in flight', async () => {
    await writeBookingSnapshot(t.db, 'o1', 'run', snapshot(1, 'scheduled'));
    const reading = cache.read('o1');
    cache.forget('o1'); // what a notification arriving now does
    expect((await reading)?.view.state).toBe('scheduled');
    const misses = cache.lookups.booking.miss;
    await cache.read('o1');
    expect(cache.lookups.booking.miss).toBe(misses + 1);
  });

  it('reads a polled booking or list again in the background near its max age: polls never wait for PostgreSQL again, and a change nobody announced shows within the max age', async () => {
    const own = new BookingReadCache(t.db, t.url, { maxAgeMs: 2_000 });
    await own.start();
    try {
      await writeBookingSnapshot(t.db, 'r1', 'run', snapshot(1, 'scheduled'));
      // Its notification heard first (it would drop what the next read keeps).
      await sql`select pg_notify(${READ_MODEL_CHANNEL}, 'mark:r1')`.execute(t.db);
      await until(() => Promise.resolve(own.lastHeard), (heard) => heard === 'mark:r1');
      expect((await own.read('r1'))?.view.state).toBe('scheduled');
      let listLoads = 0;
      const page = () => own.list('page-1', () => Promise.resolve({ load: ++listLoads }));
      await page();
      // A change nobody announces, as a missed notification would leave it.
      await sql`alter table booking_views disable trigger booking_views_notify`.execute(t.db);
      try {
        await sql`update booking_views set state = 'provisioning' where id = 'r1'`.execute(t.db);
      } finally {
        await sql`alter table booking_views enable trigger booking_views_notify`.execute(t.db);
      }
      const seen: { at: number; state: string | undefined }[] = [];
      const began = Date.now();
      while (Date.now() - began < 5_000) {
        seen.push({ at: Date.now() - began, state: (await own.read('r1'))?.view.state });
        await page();
        await new Promise((r) => setTimeout(r, 50));
      }
      // Only the first read of each waited for PostgreSQL; the rest came from memory, two max ages and more.
      expect(own.lookups.booking.miss).toBe(1);
      expect(own.lookups.list.miss).toBe(1);
      expect(own.lookups.booking.refresh).toBeGreaterThanOrEqual(2);
      expect(listLoads).toBeGreaterThanOrEqual(3);
      // Memory answered until the kept read neared its max age, then the change showed, and stayed.
      const first = seen.findIndex((s) => s.state === 'provisioning');
      expect(first).toBeGreaterThan(0);
      // (kept for 1.5 to 2 s, read again in its last 0.5 s)
      expect(seen[first]!.at).toBeGreaterThanOrEqual(800);
      expect(seen[first]!.at).toBeLessThan(2_000);
      expect(seen.slice(first).every((s) => s.state === 'provisioning')).toBe(true);
    } finally {
      await own.close();
    }
  });

  it('keeps nothing while its listening connection is lost, and listens again', async () => {
    const said: string[] = [];
    const own = new BookingReadCache(t.db, t.url, { reconnectMs: 1_500, warn: (m) => said.push(m) });
    await own.start();
    try {
      await writeBookingSnapshot(t.db, 'd1', 'run', snapshot(1, 'scheduled'));
      await own.read('d1');
      const killed = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where datname = current_database() and query like 'LISTEN%' and pid <> pg_backend_pid()`.execute(t.db);
      expect(killed.rows[0]!.n).toBeGreaterThanOrEqual(1);
      expect(await until(() => Promise.resolve(own.active), (a) => !a, 1_000)).toBe(false);
      expect(said.join('\n')).toMatch(/listening connection (lost|ended)/);
      // While it is away, a change nobody announces is still read: nothing is kept.
      await sql`alter table booking_views disable trigger booking_views_notify`.execute(t.db);
      try {
        await sql`update booking_views set state = 'provisioning' where id = 'd1'`.execute(t.db);
        expect((await own.read('d1'))?.view.state).toBe('provisioning');
        expect(own.lookups.booking.bypass).toBeGreaterThanOrEqual(1);
      } finally {
        await sql`alter table booking_views enable trigger booking_views_notify`.execute(t.db);
      }
      expect(await until(() => Promise.resolve(own.active), (a) => a)).toBe(true);
      await own.read('d1');
      await writeBookingSnapshot(t.db, 'd1', 'run', snapshot(2, 'active'));
      expect((await until(() => own.read('d1'), (r) => r?.view.state === 'active'))?.view.state).toBe('active');
    } finally {
      await own.close();
    }
  });
});
