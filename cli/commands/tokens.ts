import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { loadSettings } from '../../config/settings';
import { connect } from '../../db/connection';
import type { Database } from '../../db/database';
import { createDashboardToken, createUserToken, listApiTokens, revokeApiToken, type TokenView } from '../../db/api-tokens';
import { CliError, EXIT, type CliContext } from '../context';

/**
 * `laas tokens create|list|revoke`: bearer tokens of the booking API. A token is printed once,
 * when it is made; the database keeps only its SHA-256.
 */

async function withDatabase<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const db = connect(loadSettings().DATABASE_URL, { max: 2 });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

function role(t: TokenView): string {
  if (t.kind === 'dashboard') return 'dashboard';
  return t.admin ? 'administrator' : 'user';
}

const when = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

interface CreateOptions {
  user?: string;
  dashboard?: string;
  label: string;
}

async function create(options: CreateOptions, command: Command, ctx: CliContext): Promise<void> {
  if ((options.user === undefined) === (options.dashboard === undefined)) {
    throw new CliError('say whose token this is: --user <name> or --dashboard <lab>', EXIT.usage);
  }
  const issued = await withDatabase((db) =>
    options.user !== undefined ? createUserToken(db, options.user, options.label) : createDashboardToken(db, options.dashboard!, options.label),
  );
  const kind = options.user !== undefined ? 'user' : 'dashboard';
  if (ctx.json(command)) {
    ctx.out(JSON.stringify({ id: issued.id, kind, ...(options.user !== undefined ? { user: options.user } : { lab: options.dashboard }), label: options.label, token: issued.token }));
    return;
  }
  // The token alone on stdout, so `TOKEN=$(laas tokens create ...)` works; the note goes to stderr.
  ctx.out(issued.token);
  ctx.err(`token ${issued.id} (${kind === 'user' ? `user ${options.user}` : `dashboard of lab ${options.dashboard}`}) created; it is shown this once`);
}

async function list(options: { user?: string; lab?: string }, command: Command, ctx: CliContext): Promise<void> {
  const tokens = await withDatabase((db) => listApiTokens(db, options));
  if (ctx.json(command)) {
    ctx.out(JSON.stringify(tokens.map((t) => ({ ...t, role: role(t), createdAt: when(t.createdAt), lastUsedAt: t.lastUsedAt ? when(t.lastUsedAt) : null })), null, 2));
    return;
  }
  if (!tokens.length) return ctx.out('(no tokens)');
  const rows = [['ID', 'ROLE', 'USER', 'LAB', 'LABEL', 'CREATED', 'LAST USED']];
  for (const t of tokens) rows.push([String(t.id), role(t), t.user ?? '-', t.lab ?? '-', t.label || '-', when(t.createdAt), when(t.lastUsedAt)]);
  for (const line of table(rows)) ctx.out(line);
}

async function revoke(ids: string[], command: Command, ctx: CliContext): Promise<void> {
  const numbers = ids.map((id) => {
    if (!/^\d{1,9}$/.test(id)) throw new CliError(`token id ${JSON.stringify(id)} is not a number (see laas tokens list)`, EXIT.usage);
    return Number(id);
  });
  // All or none: a mistyped id leaves the others in place too.
  const revoked = await withDatabase((db) =>
    db.transaction().execute(async (trx) => {
      const out: TokenView[] = [];
      for (const id of numbers) out.push(await revokeApiToken(trx, id));
      return out;
    }),
  );
  if (ctx.json(command)) ctx.out(JSON.stringify({ ok: true, revoked: revoked.map((t) => t.id) }));
  else for (const t of revoked) ctx.out(`token ${t.id} (${role(t)} ${t.user ?? t.lab}${t.label ? `, ${t.label}` : ''}) revoked`);
}

export function register(program: Command, ctx: CliContext): void {
  const tokens = program.command('tokens').description('bearer tokens of the booking API: users, administrators, dashboards');
  tokens
    .command('create')
    .description("issue a token, printed once: a user's (an administrator's if the user is one), or a dashboard's (acts for the users of its lab)")
    .option('--user <name>', 'the user the token acts as')
    .option('--dashboard <lab>', 'a dashboard token for this lab')
    .option('--label <text>', 'what the token is for, shown by list', '')
    .action((options: CreateOptions, command: Command) => create(options, command, ctx));
  tokens
    .command('list')
    .description('every token: id, role, user or lab, label, when made and last used (never the token itself)')
    .option('--user <name>', "only this user's tokens")
    .option('--lab <lab>', "only this lab's dashboard tokens")
    .action((options: { user?: string; lab?: string }, command: Command) => list(options, command, ctx));
  tokens
    .command('revoke')
    .description('revoke tokens by id (see list); they stop working at once')
    .argument('<id...>', 'token ids')
    .action((ids: string[], _options: unknown, command: Command) => revoke(ids, command, ctx));
}
