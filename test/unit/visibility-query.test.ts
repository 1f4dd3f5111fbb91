import { describe, expect, it } from 'vitest';
import { bookingListQuery, cursorKey, decodeCursor, encodeCursor, literal } from '../../api/visibility-query';

describe('visibility list filters', () => {
  it('quote only values from a safe alphabet, so nothing can leave its literal', () => {
    expect(literal('sim-01')).toBe('"sim-01"');
    expect(literal('a.b_c:d')).toBe('"a.b_c:d"');
    for (const bad of ['', 'x"', "x'", 'x\\', 'a b', 'x" OR "1"="1', 'é', 'x'.repeat(129)]) {
      expect(() => literal(bad), bad).toThrow(/cannot be searched for/);
    }
  });

  it("compose the caller's filters and project scope", () => {
    expect(bookingListQuery({ lab: 'sim', scope: 'all' })).toBe('WorkflowType = "bookingWorkflow" AND LabName = "sim"');
    expect(bookingListQuery({ lab: 'sim', states: ['active', 'held'], project: 'demo', owner: 'alice', host: 'sim-01', scope: new Set(['demo', 'b-proj']) })).toBe(
      'WorkflowType = "bookingWorkflow" AND LabName = "sim" AND BookingState IN ("active", "held") AND Project = "demo" AND Owner = "alice" AND HostNames = "sim-01" AND Project IN ("b-proj", "demo")',
    );
    // No projects: nothing to see, and nothing to ask Temporal.
    expect(bookingListQuery({ lab: 'sim', scope: new Set() })).toBeNull();
  });
});

describe('list cursors', () => {
  const key = cursorKey('some-api-token-0123456789');
  const query = 'LabName = "sim"';
  const token = Buffer.from('{"StartTime":"2026-11-21T10:00:00Z"}');

  it('carry the page token back to the same filter', () => {
    const cursor = encodeCursor(key, query, token)!;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(decodeCursor(key, query, cursor)!)).toEqual(token);
    expect(encodeCursor(key, query, new Uint8Array())).toBeNull();
    expect(decodeCursor(key, query, undefined)).toBeUndefined();
  });

  it('are refused with other filters, another deployment\'s key, or changed', () => {
    const cursor = encodeCursor(key, query, token)!;
    const refused = { status: 400, type: 'InvalidCursor' };
    expect(() => decodeCursor(key, 'LabName = "other"', cursor)).toThrow(expect.objectContaining(refused) as Error);
    expect(() => decodeCursor(cursorKey('another-token-0123456789'), query, cursor)).toThrow(expect.objectContaining(refused) as Error);
    const changed = Buffer.from(cursor, 'base64url');
    changed.writeUInt8(changed.readUInt8(20) ^ 1, 20);
    expect(() => decodeCursor(key, query, changed.toString('base64url'))).toThrow(expect.objectContaining(refused) as Error);
    expect(() => decodeCursor(key, query, 'AAAA')).toThrow(expect.objectContaining(refused) as Error);
  });
});
