// When the imaging step polls FOG next: at its interval, or at the end its task's own progress
// predicts, so a finished image is noticed then rather than up to a whole interval later.
import { describe, expect, it } from 'vitest';
import { nextPollMs, type ProgressSeen } from '../../drivers/imaging/follow-task';

// A task seen at 10 % at t = 1,000 ms and at 40 % at t = 4,000 ms: 1 % per 100 ms, so it ends at t = 10,000.
const seen: ProgressSeen = { firstAt: 1_000, firstPercent: 10, lastAt: 4_000, lastPercent: 40 };

describe('the pause before the next imaging poll', () => {
  it('is the interval while the predicted end is an interval away or more', () => {
    expect(nextPollMs(2_000, seen, 4_000)).toBe(2_000);
    expect(nextPollMs(2_000, seen, 8_000)).toBe(2_000);
  });

  it('ends at the predicted end when that comes sooner', () => {
    expect(nextPollMs(2_000, seen, 8_800)).toBe(1_200);
    expect(nextPollMs(2_000, seen, 9_000)).toBe(1_000);
  });

  it('is never shorter than a quarter of the interval', () => {
    expect(nextPollMs(2_000, seen, 9_900)).toBe(500);
  });

  it('past the predicted end: a quarter of the interval for one interval, then the interval again', () => {
    expect(nextPollMs(2_000, seen, 10_100)).toBe(500);
    expect(nextPollMs(2_000, seen, 11_900)).toBe(500);
    expect(nextPollMs(2_000, seen, 12_100)).toBe(2_000);
  });

  it('is the interval when nothing predicts an end: no reading, no progress, or 100 % still running', () => {
    expect(nextPollMs(2_000, undefined, 5_000)).toBe(2_000);
    expect(nextPollMs(2_000, { ...seen, lastPercent: 10 }, 9_000)).toBe(2_000);
    expect(nextPollMs(2_000, { ...seen, lastPercent: 100 }, 9_000)).toBe(2_000);
    expect(nextPollMs(2_000, { ...seen, lastAt: seen.firstAt }, 9_000)).toBe(2_000);
  });
});
