import { createHmac, timingSafeEqual } from 'node:crypto';
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
 * Every run of the given booking workflows, for telling which of a page's runs is its booking's
 * latest; null when there is nothing to ask. Workflow ids outside the searchable alphabet are
 * left out (the API's own booking ids never are).
 */
export function bookingRunsQuery(lab: string, workflowIds: readonly string[]): string | null {
  const ids = [...new Set(workflowIds)].filter((id) => SAFE_VALUE.test(id)).sort();
  if (!ids.length) return null;
  return `WorkflowType = "bookingWorkflow" AND LabName = ${literal(lab)} AND WorkflowId IN (${ids.map(literal).join(', ')})`;
}

/**
 * Cursors are Temporal's page tokens, sealed with an HMAC over the filter they belong to: a cursor
 * reused with other filters, or made up, is refused here rather than handed to Temporal (which
 * answers a token it cannot read with an internal error, after retrying for a while).
 */
const MAC_LENGTH = 16;

function macOf(key: Buffer, query: string, token: Buffer): Buffer {
  return createHmac('sha256', key).update(query).update('\0').update(token).digest().subarray(0, MAC_LENGTH);
}

/** The key cursors are sealed with, the same on every API process of a deployment. */
export function cursorKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('laas booking list cursor').digest();
}

export function encodeCursor(key: Buffer, query: string, token: Uint8Array | null | undefined): string | null {
  if (!token || token.length === 0) return null;
  const bytes = Buffer.from(token);
  return Buffer.concat([macOf(key, query, bytes), bytes]).toString('base64url');
}

export function decodeCursor(key: Buffer, query: string, cursor: string | undefined): Uint8Array | undefined {
  if (cursor === undefined) return undefined;
  const bytes = Buffer.from(cursor, 'base64url');
  const token = bytes.subarray(MAC_LENGTH);
  const mac = bytes.subarray(0, MAC_LENGTH);
  if (token.length === 0 || mac.length !== MAC_LENGTH || !timingSafeEqual(mac, macOf(key, query, token))) {
    throw new ApiError(400, 'InvalidCursor', 'cursor: not a cursor of this list (filters changed, or not a nextCursor)');
  }
  return token;
}
