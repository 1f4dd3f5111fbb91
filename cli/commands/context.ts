import type { Kysely } from 'kysely';
import { connect } from '../../db/connection';
import { keyringFromEnv, type Keyring } from '../../db/crypto';
import type { Database } from '../../db/database';
import { BadArgumentError } from '../../db/errors';
import { listLabs } from '../../db/labs';

/** What the inventory commands need from `laas` itself. */
export interface CliContext {
  /** The inventory database (settings' DATABASE_URL). */
  databaseUrl: string;
  /** Default lab for registrations; otherwise `--lab`, or the only lab there is. */
  lab?: string | undefined;
  /** Where LAAS_CREDENTIAL_KEYS is read from; process.env by default. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Output, one line or table at a time; stdout by default. */
  print?: ((text: string) => void) | undefined;
  /** Secrets (passwords) come from stdin, never from the command line where `ps` would show them. */
  readSecret?: (() => Promise<string>) | undefined;
}

export function print(ctx: CliContext, text: string): void {
  if (ctx.print) ctx.print(text);
  else process.stdout.write(`${text}\n`);
}

/** Opens the database for one command and closes it after, whatever happens. */
export async function withDb<T>(ctx: CliContext, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const db = connect(ctx.databaseUrl, { max: 2 });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

export function keyring(ctx: CliContext): Keyring {
  return keyringFromEnv(ctx.env ?? process.env).keyring;
}

async function stdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One secret from stdin, without its trailing newline (`laas ... < file`, or `printf %s "$PW" | laas ...`). */
export async function readSecret(ctx: CliContext, what: string): Promise<string> {
  if (!ctx.readSecret && process.stdin.isTTY) throw new BadArgumentError(`give the ${what} on stdin, e.g. laas ... < ${what.replace(/\s+/g, '-')}.txt`);
  const secret = (await (ctx.readSecret ?? stdinText)()).replace(/\r?\n$/, '');
  if (!secret) throw new BadArgumentError(`the ${what} read from stdin is empty`);
  return secret;
}

/** `--lab`, else the context's lab, else the only lab in the inventory. */
export async function labFor(ctx: CliContext, db: Kysely<Database>, option: string | undefined): Promise<string> {
  const named = option ?? ctx.lab;
  if (named) return named;
  const labs = await listLabs(db);
  if (labs.length === 1) return labs[0]!.name;
  throw new BadArgumentError(labs.length ? `there are ${labs.length} labs; name one with --lab` : 'there is no lab yet; name one with --lab (or run laas lab import)');
}
