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
