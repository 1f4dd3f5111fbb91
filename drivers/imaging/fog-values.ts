/**
 * Reading FOG's JSON: values come from MySQL and arrive as strings or numbers
 * ("stateID": "3" or 3), lists come as {"count": N, "<class>s": [...]}.
 */
import type { ImagingTaskState } from './imaging';

export type FogObject = Record<string, unknown>;

/** A whole number from "3" or 3; undefined for anything else. */
export function fogInt(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

/** A percentage from "42", 42 or "42.5", clamped to 0..100. */
export function fogPercent(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number.parseFloat(value) : Number.NaN;
  if (!Number.isFinite(n)) return 0;
  return Math.min(100, Math.max(0, Math.floor(n)));
}

/** The objects of a list answer, whatever its key ("hosts", "tasks", ...). */
export function fogList(data: unknown, cls: string): FogObject[] {
  if (data === null || typeof data !== 'object') return [];
  const items = (data as Record<string, unknown>)[`${cls}s`];
  return Array.isArray(items) ? items.filter((i): i is FogObject => i !== null && typeof i === 'object') : [];
}

export function isFogObject(data: unknown): data is FogObject {
  return data !== null && typeof data === 'object' && !Array.isArray(data);
}

/** FOG task states (fog-api.md): 1 Queued, 2 Checked In, 3 In-Progress, 4 Complete, 5 Cancelled; 0 is also active. */
export function taskState(stateID: number | undefined): ImagingTaskState | undefined {
  switch (stateID) {
    case 0:
    case 1:
      return 'queued';
    case 2:
      return 'checked-in';
    case 3:
      return 'in-progress';
    case 4:
      return 'complete';
    case 5:
      return 'cancelled';
    default:
      return undefined;
  }
}

export const DEPLOY_TASK_TYPE = 1;

/** Active tasks are those in states 0-3. */
export function isActiveState(stateID: number | undefined): boolean {
  return stateID !== undefined && stateID >= 0 && stateID <= 3;
}

/**
 * Milliseconds since the epoch of a FOG time ("2024-05-01 13:45:07"), which FOG writes as wall-clock
 * time in its own time zone (its FOG_TZINFO setting) without saying which; undefined for the zero
 * date ("0000-00-00 00:00:00") and anything unreadable.
 */
export function fogTimeMs(value: unknown, timeZone: string): number | undefined {
  const m = typeof value === 'string' ? /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})\s*$/.exec(value) : null;
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year === 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // The zone's offset at the guess, then again at the result: right on both sides of a DST change.
  const first = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(first, timeZone);
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at the instant `ms`. */
function zoneOffsetMs(ms: number, timeZone: string): number {
  let format = zoneFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    zoneFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(ms);
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(ms / 1000) * 1000;
}
