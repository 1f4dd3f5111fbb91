import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { run } from '../../cli/main';
import type { CliContext } from '../../cli/context';
import { importLabFile } from '../../workers/inventory-deps';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

// `laas --json <inventory command>`: the global --json reaches every inventory command (each
// also has its own), and what they print parses as JSON.
const simLab = join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml');
let database: TempDatabase;
let saved: string | undefined;

beforeAll(async () => {
  database = await createTempDatabase();
  await importLabFile(database.db, simLab);
  saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = database.url;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = saved;
  await database?.drop();
});

async function laas(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const ctx: CliContext = { json: (c) => Boolean(c.optsWithGlobals<{ json?: boolean }>().json), out: (l) => out.push(l), err: () => undefined };
  const code = await run(argv, ctx);
  return { code, out: out.join('\n') };
}

describe('laas --json', () => {
  it.each([
    ['host', 'list'],
    ['host', 'show', 'sim-01'],
    ['switch', 'list'],
    ['switch', 'show', 'sim-switch'],
    ['port', 'list', 'sim-switch'],
    ['project', 'list'],
    ['network', 'list'],
    ['user', 'list'],
    ['credential', 'list'],
  ])('laas --json %s %s prints JSON', async (...argv) => {
    for (const args of [['--json', ...argv], [...argv, '--json']]) {
      const { code, out } = await laas(...args);
      expect(code, args.join(' ')).toBe(0);
      expect(() => JSON.parse(out) as unknown, `${args.join(' ')}: ${out}`).not.toThrow();
    }
  });

  it('laas --version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(await laas('--version')).toEqual({ code: 0, out: version });
  });
});
