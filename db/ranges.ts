import { type RawBuilder, sql } from 'kysely';
import { BadArgumentError } from './errors';

/** A half-open time range [start, end); `end: null` is open-ended (a project holding a node). */
export interface TimeRange {
  start: Date;
  end: Date;
}

export function toDate(value: Date | string, what: string): Date {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new BadArgumentError(`${what} is not a valid date and time`, { what });
  return date;
}

export function toRange(range: { start: Date | string; end: Date | string }): TimeRange {
  const start = toDate(range.start, 'range.start');
  const end = toDate(range.end, 'range.end');
  if (end.getTime() <= start.getTime()) throw new BadArgumentError('range.end must be after range.start', { what: 'range' });
  return { start, end };
}

/** The SQL value of a range; bounds are typed so that a null end means "no end". */
export function rangeSql(start: Date, end: Date | null): RawBuilder<string> {
  return sql<string>`tstzrange(${start}::timestamptz, ${end}::timestamptz, '[)')`;
}

/** Ranges from now on, for holdings without an end (HIL projects, pool networks). */
export function fromNowSql(): RawBuilder<string> {
  return sql<string>`tstzrange(now(), null, '[)')`;
}
