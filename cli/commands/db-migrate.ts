import type { Command } from 'commander';
import { connect, ensureDatabase } from '../../db/connection';
import { migrateDown, migrateToLatest } from '../../db/migrator';
import { type CliContext, print } from './context';

/**
 * Creates the database when missing and applies every pending migration; running
 * it again applies nothing. Returns what it did, one line per step. `npm start` calls this.
 */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  const lines: string[] = [];
  if ((await ensureDatabase(databaseUrl)) === 'created') lines.push(`created database ${new URL(databaseUrl).pathname.slice(1)}`);
  const db = connect(databaseUrl, { max: 1 });
  try {
    const applied = await migrateToLatest(db);
    lines.push(...(applied.length ? applied : ['schema up to date']));
  } finally {
    await db.destroy();
  }
  return lines;
}

/** Reverts the latest `steps` migrations (for development: every migration has a working down). */
export async function revertMigrations(databaseUrl: string, steps: number): Promise<string[]> {
  const db = connect(databaseUrl, { max: 1 });
  try {
    const lines: string[] = [];
    for (let i = 0; i < steps; i++) {
      const reverted = await migrateDown(db);
      if (!reverted.length) break;
      lines.push(...reverted);
    }
    return lines.length ? lines : ['nothing to revert'];
  } finally {
    await db.destroy();
  }
}

export function register(program: Command, ctx: CliContext): void {
  const db = program.commands.find((c) => c.name() === 'db') ?? program.command('db').description('the inventory database');
  db.command('migrate')
    .description('create the database if missing and apply pending migrations')
    .option('--down <steps>', 'revert the latest migrations instead (development only)')
    .action(async (opts: { down?: string }) => {
      if (opts.down !== undefined) {
        const steps = Number(opts.down);
        if (!Number.isInteger(steps) || steps < 1) throw new Error('--down takes a number of migrations ≥ 1');
        for (const line of await revertMigrations(ctx.databaseUrl, steps)) print(ctx, line);
        return;
      }
      for (const line of await migrateDatabase(ctx.databaseUrl)) print(ctx, line);
    });
}
