import { describe, expect, it } from 'vitest';
import { changeLines } from '../../cli/commands/booking-screen';
import { nextPageCommand } from '../../cli/commands/bookings';
import type { BookingView, StepView } from '../../cli/commands/booking-types';

const STEPS = ['power', 'imaging', 'switch', 'network', 'access'];
function view(state: BookingView['state'], statuses: StepView['status'][], times: (string | undefined)[] = []): BookingView {
  return {
    id: 'b1', project: 'p', owner: 'o', state, start: '2026-12-05T09:00:00Z', end: '2026-12-05T10:00:00Z', networks: [],
    hosts: [{ name: 'h1', hostname: 'h1', steps: STEPS.map((step, i) => ({ step, status: statuses[i]!, ...(times[i] ? { startedAt: times[i], finishedAt: times[i] } : {}) })) }],
  };
}
const strip = (lines: string[]) => lines.map((l) => l.slice(9));

describe('laas bookings release --wait (lines)', () => {
  it('prints undos in the order they run, last step first, and the settled state last', () => {
    const before = view('releasing', ['done', 'done', 'done', 'undoing', 'undone']);
    const after = view('released', ['undone', 'undone', 'undone', 'undone', 'undone']);
    expect(strip(changeLines(before, after, Date.parse('2026-12-05T09:30:00Z')))).toEqual(['h1 network undone', 'h1 switch undone', 'h1 imaging undone', 'h1 power undone', 'booking b1 released']);
  });

  it('prints steps done between two looks by when they finished, whatever the table order', () => {
    const before = view('provisioning', ['running', 'pending', 'pending', 'pending', 'pending']);
    const after = view('active', ['done', 'done', 'done', 'done', 'done'], ['2026-12-05T09:00:05Z', '2026-12-05T09:00:09Z', '2026-12-05T09:00:07Z', '2026-12-05T09:00:10Z', '2026-12-05T09:00:11Z']);
    expect(changeLines(before, after, Date.parse('2026-12-05T09:00:12Z'))).toEqual([
      '09:00:05 h1 power done',
      '09:00:07 h1 switch done',
      '09:00:09 h1 imaging done',
      '09:00:10 h1 network done',
      '09:00:11 h1 access done',
      '09:00:12 booking b1 active',
    ]);
  });

  it('puts a state the booking passes through (releasing) before the step lines', () => {
    const before = view('active', ['done', 'done', 'done', 'done', 'done']);
    const after = view('releasing', ['done', 'done', 'done', 'done', 'undoing']);
    expect(strip(changeLines(before, after, Date.now()))).toEqual(['booking b1 releasing', 'h1 access undoing']);
  });
});

describe('the next-page hint of laas bookings list', () => {
  it('keeps every filter and the page size', () => {
    expect(nextPageCommand({ state: 'held,needs_cleanup', project: 'opnfv', owner: "o'brien", host: 'sim-01' }, 20, 'abc==')).toBe(
      "laas bookings list --state held,needs_cleanup --project opnfv --owner 'o'\\''brien' --host sim-01 --limit 20 --cursor abc==",
    );
    expect(nextPageCommand({}, 5, 'c1')).toBe('laas bookings list --limit 5 --cursor c1');
  });
});
