import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { CliError, defaultContext, EXIT, type CliContext } from './context';
import { loadSettings } from '../config/settings';
import { isInventoryError } from '../db/errors';
import { register as codec } from './commands/codec';
import { register as inventory, type CliContext as InventoryContext } from './commands/inventory';
import { register as labImport } from './commands/lab-import';
import { register as dbMigrate } from './commands/db-migrate';
import { register as doctor } from './commands/doctor';
import { register as bookings } from './commands/bookings';
import { register as cleanup } from './commands/cleanup';
import { register as burnin } from './commands/burnin';
import { register as tokens } from './commands/tokens';

/** A command family registers its subcommands on the program. */
export type Register = (program: Command, ctx: CliContext) => void;

/** The inventory commands work on the database named by the settings. */
function inventoryContext(ctx: CliContext): InventoryContext {
  return { databaseUrl: loadSettings().DATABASE_URL, print: (text) => ctx.out(text) };
}

const families: Register[] = [
  codec,
  (program, ctx) => inventory(program, inventoryContext(ctx)),
  (program, ctx) => labImport(program, inventoryContext(ctx)),
  (program, ctx) => dbMigrate(program, inventoryContext(ctx)),
  bookings,
  cleanup,
  burnin,
  doctor,
  tokens,
];

/**
 * Families in `laas --help` by how often operators reach for them: bookings and hosts every day,
 * doctor and cleanup when something is wrong, the rest of the inventory, then setup and debugging.
 */
const HELP_ORDER = ['bookings', 'host', 'doctor', 'cleanup', 'switch', 'port', 'network', 'project', 'user', 'tokens', 'credential', 'burnin', 'lab', 'db', 'history'];

function inHelpOrder(program: Command): void {
  const rank = (c: Command) => {
    const i = HELP_ORDER.indexOf(c.name());
    return i === -1 ? HELP_ORDER.length : i;
  };
  // Commander keeps its subcommands in a plain array, read-only in its types: sorted in place, help follows.
  (program.commands as Command[]).sort((a, b) => rank(a) - rank(b));
}

function version(): string {
  const file = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export function buildProgram(ctx: CliContext = defaultContext): Command {
  const program = new Command('laas')
    .description('Lab as a Service: bookings, inventory and operations')
    .version(version(), '-V, --version', 'print the version of laas')
    .option('--json', 'print JSON for scripts instead of tables')
    .showHelpAfterError()
    .configureOutput({ writeOut: (text) => ctx.out(text.trimEnd()), writeErr: (text) => ctx.err(text.trimEnd()) })
    .exitOverride();
  for (const register of families) register(program, ctx);
  inHelpOrder(program);
  // `laas --json host list`: commands with their own --json see the global one too.
  program.hook('preAction', (_program, action) => {
    if (program.opts<{ json?: boolean }>().json && action.options.some((o) => o.long === '--json')) action.setOptionValue('json', true);
  });
  return program;
}

export async function run(argv: string[], ctx: CliContext = defaultContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof CliError) {
      ctx.err(`laas: ${err.message}`);
      return err.exitCode;
    }
    if (isInventoryError(err)) {
      ctx.err(`laas: ${err.message}`);
      return err.type === 'NotFoundError' ? EXIT.notFound : EXIT.usage;
    }
    ctx.err(`laas: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failed;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
    console.error(err);
    process.exit(EXIT.failed);
  });
}
