/**
 * The read model's writes are idempotent and ordered: a step write older than the stored one (a
 * late progress beat of an earlier attempt) or a booking snapshot older than the stored one (an
 * event of the same run retried late) changes nothing; a new run of the booking starts over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBookingView, listBookingViews, writeBookingSnapshot } from '../../db/booking-views';
import { recordStep } from '../../db/booking-steps';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';
import { bookingSnapshot as snapshot } from './helpers/booking-snapshot';

let t: TempDatabase;
beforeAll(async () => {
  t = await createTempDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe('the read model repository', () => {
  it('keeps the newest snapshot of a run, and takes any snapshot of a new run', async () => {
    await writeBookingSnapshot(t.db, 'b1', 'run-1', snapshot(3, 'active'));
    await writeBookingSnapshot(t.db, 'b1', 'run-1', snapshot(2, 'provisioning'));
    await writeBookingSnapshot(t.db, 'b1', 'run-1', snapshot(3, 'active'));
    expect((await getBookingView(t.db, 'b1'))?.state).toBe('active');
    await writeBookingSnapshot(t.db, 'b1', 'run-2', snapshot(1, 'provisioning'));
    expect((await getBookingView(t.db, 'b1'))?.state).toBe('provisioning');
  });

  it('keeps the newest write of a step: a late write of an earlier attempt is dropped', async () => {
    const base = { bookingId: 'b1', host: 'sim-01', step: 'imaging' };
    await recordStep(t.db, { ...base, status: 'running', startedAt: '2026-12-05T01:00:01.000Z', attempt: 2, ordinal: 2000_000 });
    await recordStep(t.db, { ...base, status: 'running', progress: 40, ordinal: 2000_001 });
    await recordStep(t.db, { ...base, status: 'failed', error: { type: 'X', message: 'attempt 1' }, ordinal: 1000_999 });
    await recordStep(t.db, { ...base, status: 'running', progress: 30, ordinal: 2000_001 });
    const imaging = (await getBookingView(t.db, 'b1'))!.hosts[0]!.steps.find((s) => s.step === 'imaging');
    expect(imaging).toEqual({ step: 'imaging', status: 'running', startedAt: '2026-12-05T01:00:01.000Z', attempt: 2, progress: 40 });
    await recordStep(t.db, { ...base, status: 'done', finishedAt: '2026-12-05T01:00:09.000Z', attempt: 2, ordinal: 2000_999 });
    const done = (await getBookingView(t.db, 'b1'))!.hosts[0]!.steps.find((s) => s.step === 'imaging');
    expect(done).toEqual({ step: 'imaging', status: 'done', startedAt: '2026-12-05T01:00:01.000Z', finishedAt: '2026-12-05T01:00:09.000Z', attempt: 2 });
  });

  it('pages newest first with a cursor that finds every booking once', async () => {
    for (let i = 0; i < 5; i++) await writeBookingSnapshot(t.db, `p${i}`, 'r', snapshot(1, 'active', `2026-12-05T03:00:0${i}.000Z`));
    const ids: string[] = [];
    let after: { createdAt: string; id: string } | undefined;
    for (;;) {
      const page = await listBookingViews(t.db, { lab: 'sim', scope: new Set(['demo']), states: ['active'] }, { limit: 2, after });
      ids.push(...page.bookings.map((b) => b.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(ids).toEqual(['p4', 'p3', 'p2', 'p1', 'p0']);
    expect((await listBookingViews(t.db, { lab: 'sim', scope: new Set(['other']) }, { limit: 10 })).bookings).toEqual([]);
    expect((await listBookingViews(t.db, { lab: 'sim', scope: 'all', host: 'sim-01', states: ['active'] }, { limit: 10 })).bookings).toHaveLength(5);
  });
});
