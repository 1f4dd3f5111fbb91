import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { CliError, EXIT, type CliContext } from '../context';
import { apiClient, type ApiClient } from './api-client';
import { passwordLines, vpnPasswords, type BookingView } from './booking-types';
import { alignRows, screenLines, shortTime } from './booking-screen';
import { settledOutcome, watchBooking, type WatchMode } from './booking-watch';
import { retryBooking, type RetryOptions } from './booking-retry';

/** `laas bookings ...`: the booking API for operators, tables for people and --json for scripts. */

type Json = { json?: boolean };

function readBookingFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read booking file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
  try {
    // YAML is a superset of JSON: one parser reads both.
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new CliError(`booking file ${file} is neither JSON nor YAML: ${(err as Error).message.split('\n')[0]}`, EXIT.usage);
  }
}

export function instant(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new CliError(`${JSON.stringify(value)} is not an ISO 8601 instant such as 2026-11-28T10:00:00Z`, EXIT.usage);
  }
  return new Date(value).toISOString();
}

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} must be a whole number ≥ 1, not ${JSON.stringify(value)}`, EXIT.usage);
    return n;
  };
}

export function watchMode(json: boolean, plain: boolean | undefined): WatchMode {
  if (json) return 'json';
  return process.stdout.isTTY && !plain ? 'screen' : 'lines';
}

/** Watch until settled, print the result for scripts, and exit by the state it settled in. */
export async function watchAndExit(
  api: ApiClient,
  id: string,
  ctx: CliContext,
  json: boolean,
  opts: { plain?: boolean; interval?: number; timeout?: number; leaving?: string },
): Promise<void> {
  const mode = watchMode(json, opts.plain);
  // A generated VPN password shows in one reading only: never let the watch swallow it.
  const passwords: Record<string, string> = {};
  const b = await watchBooking(api, id, ctx, {
    mode,
    onView: (view) => Object.assign(passwords, vpnPasswords(view)),
    ...(opts.leaving ? { leaving: opts.leaving } : {}),
    intervalMs: opts.interval ?? 500,
    ...(opts.timeout ? { timeoutMs: opts.timeout * 1000 } : {}),
    ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
  });
  const shown = Object.keys(passwords).length ? passwords : undefined;
  if (mode === 'json') ctx.out(JSON.stringify(shown ? { ...b, access: { ...b.access, vpnPasswords: shown } } : b, null, 2));
  else {
    for (const line of passwordLines(passwords)) ctx.out(line);
    if (mode === 'lines') ctx.out(`booking ${b.id} is ${b.state}`);
  }
  settledOutcome(b);
}

/** A word for a shell: as it is when safe, else in single quotes. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:,@=+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command for the next page: the same filters and page size, the page's cursor. */
export function nextPageCommand(filter: { state?: string; project?: string; owner?: string; host?: string }, limit: number, cursor: string): string {
  const words = ['laas bookings list'];
  for (const key of ['state', 'project', 'owner', 'host'] as const) {
    const value = filter[key];
    if (value !== undefined) words.push(`--${key} ${shellWord(value)}`);
  }
  words.push(`--limit ${limit}`, `--cursor ${shellWord(cursor)}`);
  return words.join(' ');
}

function showDetails(b: BookingView): string[] {
  const lines = screenLines(b, Date.now());
  lines.push(`lease: ${b.start} → ${b.end}`);
  if (b.networks.length) lines.push(`networks: ${b.networks.map((n) => `${n.name} (VLAN ${n.vlan ?? '-'})`).join(', ')}`);
  const addresses = b.hosts.filter((h) => h.address).map((h) => `${h.name} ${h.address}`);
  if (addresses.length) lines.push(`addresses: ${addresses.join(', ')}`);
  if (b.headnode) lines.push(`headnode: ${b.headnode.name}${b.headnode.console ? ` (${b.headnode.console.type} ${b.headnode.console.host}:${b.headnode.console.port})` : ''}`);
  const vpn = (b.access?.vpnAccounts ?? []).map((a) => (typeof a === 'string' ? a : a.uid));
  if (vpn.length) lines.push(`VPN accounts: ${vpn.join(', ')}`);
  lines.push(...passwordLines(vpnPasswords(b)));
  return lines;
}

export function register(program: Command, ctx: CliContext): void {
  const bookings = program.command('bookings').description('bookings through the laas API (LAAS_API_URL, LAAS_API_TOKEN)');
  const json = (command: Command) => ctx.json(command);

  bookings
    .command('list')
    .description('list bookings, newest first')
    .option('--state <states>', 'only these states, comma separated (e.g. held,needs_cleanup)')
    .option('--project <name>', 'only this project')
    .option('--owner <name>', 'only this owner')
    .option('--host <name>', 'only bookings holding this host')
    .option('--limit <n>', 'one page of at most n bookings (default: every page)', positive('--limit'))
    .option('--cursor <cursor>', 'the page after a previous --limit listing')
    .option('--json', 'JSON output')
    .action(async (opts: Json & { state?: string; project?: string; owner?: string; host?: string; limit?: number; cursor?: string }, command: Command) => {
      const api = apiClient();
      const filter = { state: opts.state, project: opts.project, owner: opts.owner, host: opts.host };
      const page = opts.limit || opts.cursor
        ? await api.listBookings({ ...filter, ...(opts.limit ? { limit: opts.limit } : {}), ...(opts.cursor ? { cursor: opts.cursor } : {}) })
        : { bookings: await api.listAllBookings(filter), nextCursor: null };
      if (json(command)) return ctx.out(JSON.stringify(page, null, 2));
      if (!page.bookings.length) return ctx.out('(no bookings)');
      const rows = page.bookings.map((b) => [b.id, b.project, b.owner, b.state, shortTime(b.start), shortTime(b.end), b.hosts.join(',')]);
      for (const line of alignRows([['ID', 'PROJECT', 'OWNER', 'STATE', 'START', 'END', 'HOSTS'], ...rows])) ctx.out(line);
      if (page.nextCursor) ctx.out(`more: ${nextPageCommand(opts, opts.limit ?? page.bookings.length, page.nextCursor)}`);
    });

  bookings
    .command('show')
    .description("a booking's state, per-host steps, lease, networks and access")
    .argument('<id>')
    .option('--json', 'JSON output')
    .action(async (id: string, _opts: Json, command: Command) => {
      const b = await apiClient().getBooking(id);
      if (json(command)) return ctx.out(JSON.stringify(b, null, 2));
      for (const line of showDetails(b)) ctx.out(line);
    });

  bookings
    .command('watch')
    .description('follow a booking until it settles (active, released, failed, needs_cleanup, held); exit 0 active/released, 1 failed, 5 held, 6 needs_cleanup')
    .argument('<id>')
    .option('--interval <ms>', 'how often to look', positive('--interval'), 500)
    .option('--timeout <seconds>', 'stop watching after this long (exit 1)', positive('--timeout'))
    .option('--plain', 'one line per change even on a terminal')
    .option('--json', 'print the settled booking as JSON')
    .action((id: string, opts: Json & { interval: number; timeout?: number; plain?: boolean }, command: Command) =>
      watchAndExit(apiClient(), id, ctx, json(command), opts),
    );

  bookings
    .command('create')
    .description('book hosts as a JSON or YAML file describes (docs/booking-api.md); - reads stdin')
    .requiredOption('-f, --file <file>', 'the booking request')
    .option('--watch', 'then follow it until it settles')
    .option('--json', 'JSON output')
    .action(async (opts: Json & { file: string; watch?: boolean }, command: Command) => {
      const api = apiClient();
      const body = readBookingFile(opts.file);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new CliError(`booking file ${opts.file} must hold one object`, EXIT.usage);
      const accepted = await api.createBooking(body);
      if (opts.watch) return watchAndExit(api, accepted.id, ctx, json(command), {});
      if (json(command)) return ctx.out(JSON.stringify(accepted));
      ctx.out(`booking ${accepted.id} accepted (${accepted.state}); follow it with: laas bookings watch ${accepted.id}`);
    });

  bookings
    .command('extend')
    .description("move a booking's end (refused when its hosts or VLANs are taken)")
    .argument('<id>')
    .requiredOption('--end <instant>', 'new end, ISO 8601 (2026-11-28T10:00:00Z)', instant)
    .option('--json', 'JSON output')
    .action(async (id: string, opts: Json & { end: string }, command: Command) => {
      const answer = await apiClient().extendBooking(id, opts.end);
      ctx.out(json(command) ? JSON.stringify({ ok: true, id, ...answer }) : `booking ${id} now ends at ${answer.end}`);
    });

  bookings
    .command('release')
    .description('release a booking now (its hosts are undone and given back)')
    .argument('<id>')
    .option('--wait', 'follow it until released')
    .option('--json', 'JSON output')
    .action(async (id: string, opts: Json & { wait?: boolean }, command: Command) => {
      const api = apiClient();
      const before = opts.wait ? (await api.getBooking(id)).state : undefined;
      const answer = await api.releaseBooking(id);
      if (opts.wait) return watchAndExit(api, id, ctx, json(command), { ...(before ? { leaving: before } : {}) });
      ctx.out(json(command) ? JSON.stringify({ ok: true, ...answer }) : `booking ${id} is ${answer.state}`);
    });

  bookings
    .command('retry')
    .description('held booking: retry (or --abort) the failed step; failed booking: reset its workflow with Temporal so it runs again')
    .argument('<id>')
    .option('--abort', 'held booking: give up and undo instead of retrying')
    .option('--host <name>', 'held booking: only this host')
    .option('--dry-run', 'failed booking: show the reset and the equivalent temporal command, change nothing')
    .option('--reopen-only', "failed booking: only reopen the released allocation, for a reset with Temporal's CLI")
    .option('--watch', 'then follow the booking until it settles')
    .option('--address <host:port>', 'Temporal frontend (default: TEMPORAL_ADDRESS)')
    .option('--namespace <name>', 'Temporal namespace (default: TEMPORAL_NAMESPACE)')
    .option('--json', 'JSON output')
    .action(async (id: string, opts: Json & RetryOptions & { watch?: boolean }, command: Command) => {
      const api = apiClient();
      const from = await retryBooking(api, id, opts, ctx, json(command));
      if (opts.watch && from) await watchAndExit(api, id, ctx, json(command), { leaving: from });
    });

  bookings
    .command('events')
    .description("a booking's event list, oldest first")
    .argument('<id>')
    .option('--after <event id>', 'only events after this one')
    .option('--json', 'JSON output')
    .action(async (id: string, opts: Json & { after?: string }, command: Command) => {
      if (opts.after !== undefined && !/^\d+$/.test(opts.after)) throw new CliError('--after must be an event id (digits)', EXIT.usage);
      const { events } = await apiClient().events(id, opts.after);
      if (json(command)) return ctx.out(JSON.stringify(events, null, 2));
      if (!events.length) return ctx.out('(no events)');
      const detail = (d: unknown) => (d && typeof d === 'object' && Object.keys(d).length ? JSON.stringify(d) : '');
      const rows = events.map((e) => [e.id, shortTime(e.at, true), e.kind, e.host ?? '', e.step ?? '', detail(e.detail)]);
      for (const line of alignRows([['ID', 'AT', 'KIND', 'HOST', 'STEP', 'DETAIL'], ...rows])) ctx.out(line);
    });
}
