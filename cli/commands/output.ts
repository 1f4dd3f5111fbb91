import { type CliContext, print } from './context';

export type Cell = string | number | boolean | null | undefined;

/** Rows as an aligned table with a header line, or as JSON with --json. */
export function table(ctx: CliContext, json: boolean | undefined, rows: Record<string, Cell>[], columns: string[]): void {
  if (json) return print(ctx, JSON.stringify(rows, null, 2));
  if (!rows.length) return print(ctx, '(none)');
  const text = (c: Cell) => (c === null || c === undefined || c === '' ? '-' : String(c));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  print(ctx, [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => text(r[c]))))].join('\n'));
}

/** One object as "key: value" lines, or JSON with --json. */
export function details(ctx: CliContext, json: boolean | undefined, value: Record<string, unknown>): void {
  if (json) return print(ctx, JSON.stringify(value, null, 2));
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  const show = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));
  print(ctx, Object.entries(value).map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${show(v)}`).join('\n'));
}

/** What a changing command prints: a short confirmation, or `{"ok": true, ...}` with --json. */
export function done(ctx: CliContext, json: boolean | undefined, message: string, extra: Record<string, unknown> = {}): void {
  print(ctx, json ? JSON.stringify({ ok: true, message, ...extra }) : message);
}
