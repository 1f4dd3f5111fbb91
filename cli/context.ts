import type { Command } from 'commander';

/** What every command needs, built lazily so `laas --help` touches nothing. */
export interface CliContext {
  /** Print for people, or JSON for scripts (`--json`). */
  json(command: Command): boolean;
  out(line: string): void;
  err(line: string): void;
}

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** The command failed (device, server or booking error). */
  failed: 1,
  /** Bad usage or input: nothing was done. */
  usage: 2,
  /** What was asked for does not exist. */
  notFound: 3,
  /** Could not reach the API, Temporal or the database. */
  unreachable: 4,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

export const defaultContext: CliContext = {
  json: (command) => Boolean(command.optsWithGlobals<{ json?: boolean }>().json),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
