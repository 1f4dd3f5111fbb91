import type { BookingView, StepView } from './booking-types';
import { failedStep } from './booking-types';

/** A duration as people read it at a glance: 0.4s, 12s, 3m05s, 1h02m. */
export function duration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const BAR_WIDTH = 10;

export function progressBar(percent: number): string {
  const p = Math.min(100, Math.max(0, Math.round(percent)));
  const filled = Math.round((p / 100) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(p).padStart(3)}%`;
}

/** How long a step ran (or has been running): finished minus started, or now minus started. */
function elapsed(s: StepView, now: number): string {
  if (!s.startedAt) return '';
  const started = Date.parse(s.startedAt);
  const ended = s.status === 'running' || !s.finishedAt ? now : Date.parse(s.finishedAt);
  return duration(ended - started);
}

/** One step of one host: its status, a bar for imaging while it runs, and its time. */
export function stepCell(s: StepView, now: number): string {
  const time = elapsed(s, now);
  if (s.status === 'running' && typeof s.progress === 'number') return `${progressBar(s.progress)} ${time}`;
  if (s.status === 'running' && typeof s.rebootWaitMs === 'number') return `rebooting ${duration(s.rebootWaitMs)} ${time}`;
  const status = s.status === 'failed' ? 'FAILED' : s.status;
  const retried = s.attempt && s.attempt > 1 ? ` (try ${s.attempt})` : '';
  return [status, time].filter(Boolean).join(' ') + retried;
}

/** An ISO instant in a table: minutes (or seconds) in UTC, no more. */
export function shortTime(iso: string, seconds = false): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ');
}

/** Rows of cells as aligned columns; the first row is usually the header. */
export function alignRows(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** The booking as a small screen: a title line, a table of host steps, then what needs attention. */
export function screenLines(b: BookingView, now: number): string[] {
  const since = Date.parse(b.start);
  const title = `booking ${b.id}  ${b.project}/${b.owner}  ${b.state.toUpperCase()}  ${Number.isNaN(since) ? '' : duration(now - since)}`.trimEnd();
  const stepNames = b.hosts[0]?.steps.map((s) => s.step) ?? [];
  const table = alignRows([
    ['HOST', ...stepNames.map((s) => s.toUpperCase())],
    ...b.hosts.map((h) => [h.name, ...stepNames.map((name) => {
      const s = h.steps.find((x) => x.step === name);
      return s ? stepCell(s, now) : '-';
    })]),
  ]);
  const lines = [title, ...table];
  const bookingSteps = (b.bookingSteps ?? []).map((s) => `${s.step} ${stepCell(s, now)}`);
  if (bookingSteps.length) lines.push(`booking steps: ${bookingSteps.join(' · ')}`);
  for (const h of b.hosts) {
    if (h.held) lines.push(`${h.name} is held at ${h.held.step} until ${h.held.until}: laas bookings retry ${b.id} [--abort] --host ${h.name}`);
  }
  const failed = failedStep(b);
  if (failed && b.state !== 'active') lines.push(`failed: ${failed.host ? `${failed.host} ` : 'booking '}${failed.step}: ${failed.error.type}: ${failed.error.message}`);
  else if (b.error) lines.push(`error: ${b.error.type}: ${b.error.message}`);
  for (const l of b.cleanup?.leftovers ?? []) lines.push(`left behind: ${l.host ?? 'booking'} ${l.step}: ${l.error.type}: ${l.error.message}`);
  return lines;
}

const UNDO_STATUSES = ['undoing', 'undone'];

/**
 * When a step reached the status it shows: its end for a finished one, its start for a running
 * one. Undos carry no time of their own (the record keeps the step's), so they count as now.
 */
function changedAt(s: StepView, fallback: number): number {
  if (UNDO_STATUSES.includes(s.status)) return fallback;
  const at = s.status === 'done' || s.status === 'failed' ? s.finishedAt : s.startedAt;
  const t = at ? Date.parse(at) : NaN;
  return Number.isNaN(t) ? fallback : t;
}

const clock = (t: number) => new Date(t).toISOString().slice(11, 19);

/**
 * Step changes between two looks at a booking, one line each (for logs and pipes), in the order
 * they happened: a release undoes the steps last to first, and several can change between two
 * looks. The booking's own state comes first, or last when it is where the booking settles.
 */
export function changeLines(before: BookingView | null, after: BookingView, now: number): string[] {
  const changes: { at: number; rank: number; line: string }[] = [];
  const stepsOf = (b: BookingView | null) => {
    const m = new Map<string, { s: StepView; index: number }>();
    for (const h of b?.hosts ?? []) h.steps.forEach((s, index) => m.set(`${h.name} ${s.step}`, { s, index }));
    // The booking's own steps come after every host's, and are undone before them.
    (b?.bookingSteps ?? []).forEach((s, index) => m.set(`booking ${s.step}`, { s, index: 100 + index }));
    return m;
  };
  const old = stepsOf(before);
  for (const [key, { s, index }] of stepsOf(after)) {
    // Steps are done first to last and undone last to first.
    const rank = UNDO_STATUSES.includes(s.status) ? -index : index;
    const was = old.get(key)?.s;
    if (!was && s.status === 'pending') continue;
    if (!was || was.status !== s.status) {
      const at = Math.min(changedAt(s, now), now);
      changes.push({ at, rank, line: `${clock(at)} ${key} ${s.status}${s.error && s.status === 'failed' ? `: ${s.error.type}: ${s.error.message}` : ''}` });
    } else if (s.status === 'running' && typeof s.progress === 'number' && Math.floor(s.progress / 25) !== Math.floor((was.progress ?? -1) / 25)) {
      // Progress in quarters: enough to see it move without flooding a log.
      changes.push({ at: now, rank, line: `${clock(now)} ${key} ${Math.round(s.progress)}%` });
    } else if (s.status === 'running' && typeof s.rebootWaitMs === 'number' && was.rebootWaitMs === undefined) {
      changes.push({ at: now, rank, line: `${clock(now)} ${key} rebooting (${duration(s.rebootWaitMs)} so far)` });
    }
  }
  const out = changes.sort((a, b) => a.at - b.at || a.rank - b.rank).map((c) => c.line);
  if (!before || before.state !== after.state) {
    const state = `${clock(now)} booking ${after.id} ${after.state}`;
    if (['active', 'released', 'failed', 'needs_cleanup', 'held'].includes(after.state)) out.push(state);
    else out.unshift(state);
  }
  return out;
}
