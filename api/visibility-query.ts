import { createHash } from 'node:crypto';
import { ApiError } from './errors';

/**
 * Temporal visibility list filters, built from validated values only. The filter grammar treats
 * backslashes and both quote characters specially, so escaping is not enough: a value outside a
 * small alphabet is refused before it reaches a query string.
 */
const SAFE_VALUE = /^[A-Za-z0-9._:-]{1,128}$/;

export function literal(value: string): string {
  if (!SAFE_VALUE.test(value)) throw new ApiError(400, 'InvalidRequest', `${JSON.stringify(value)} cannot be searched for (letters, digits, ".", "_", ":", "-" only)`);
  return `"${value}"`;
}

export interface BookingFilter {
  lab: string;
  states?: string[] | undefined;
  project?: string | undefined;
  owner?: string | undefined;
  host?: string | undefined;
  /** The caller's projects; `all` for callers that see every booking of the lab. */
  scope: ReadonlySet<string> | 'all';
}

/** The list filter for a page of bookings; null when the caller's scope is empty (nothing to see). */
export function bookingListQuery(f: BookingFilter): string | null {
  const clauses = ['WorkflowType = "bookingWorkflow"', `LabName = ${literal(f.lab)}`];
  if (f.states?.length) clauses.push(`BookingState IN (${f.states.map(literal).join(', ')})`);
  if (f.project !== undefined) clauses.push(`Project = ${literal(f.project)}`);
  if (f.owner !== undefined) clauses.push(`Owner = ${literal(f.owner)}`);
  // HostNames is a keyword list: "=" matches a booking holding that host among others.
  if (f.host !== undefined) clauses.push(`HostNames = ${literal(f.host)}`);
  if (f.scope !== 'all') {
    if (f.scope.size === 0) return null;
    clauses.push(`Project IN (${[...f.scope].sort().map(literal).join(', ')})`);
  }
  return clauses.join(' AND ');
}

/**
 * Cursors are Temporal's page tokens, tagged with the filter they belong to: a cursor reused with
 * other filters is refused rather than silently paging through a different list.
 */
function tagOf(query: string): string {
  return createHash('sha256').update(query).digest('base64url').slice(0, 12);
}

export function encodeCursor(query: string, token: Uint8Array | null | undefined): string | null {
  if (!token || token.length === 0) return null;
  return `${tagOf(query)}${Buffer.from(token).toString('base64url')}`;
}

export function decodeCursor(query: string, cursor: string | undefined): Uint8Array | undefined {
  if (cursor === undefined) return undefined;
  if (cursor.length <= 12 || cursor.slice(0, 12) !== tagOf(query)) {
    throw new ApiError(400, 'InvalidCursor', 'cursor: not a cursor of this list (filters changed, or not a nextCursor)');
  }
  return Buffer.from(cursor.slice(12), 'base64url');
}
