import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../scripts/lib/embedded-postgres';
import { answers } from '../../scripts/lib/database-choice';

const root = join(import.meta.dirname, '..', '..');
// The cluster runs as the postgres user when the tests run as root: it must be able to reach the directory.
const dataDir = mkdtempSync(join(tmpdir(), 'laas-embedded-pg-'));
chmodSync(dataDir, 0o755);
let cluster: EmbeddedPostgres | undefined;

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  cluster = await startEmbeddedPostgres(dataDir, 'postgres');
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the embedded PostgreSQL cluster (npm start without a server)', () => {
  it('is real PostgreSQL with the extensions the schema needs, on loopback only, with a password', async () => {
    const [version] = await query<{ server_version_num: string }>(cluster!.url, 'SHOW server_version_num');
    expect(Number(version?.server_version_num)).toBeGreaterThanOrEqual(150000);
    const available = await query<{ name: string }>(cluster!.url, "SELECT name FROM pg_available_extensions WHERE name = 'btree_gist'");
    expect(available).toHaveLength(1);
    expect(cluster!.shownUrl).not.toContain(new URL(cluster!.url).password);
    const withoutPassword = new URL(cluster!.url);
    withoutPassword.password = '';
    await expect(query(withoutPassword.toString(), 'SELECT 1')).rejects.toThrow();
    expect(statSync(join(dataDir, 'postgres.json')).mode & 0o077).toBe(0);
  });

  it('runs the allocation and exclusion-constraint suites (row locks, advisory locks, GiST exclusion) against it', () => {
    const server = new URL(cluster!.url);
    server.pathname = '';
    const run = spawnSync('npx', ['vitest', 'run', '--project', 'devices', 'test/db/allocations.test.ts', 'test/db/migrations.test.ts', 'test/db/reopen.test.ts'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', LAAS_TEST_PG_URL: server.toString().replace(/\/$/, '') },
      encoding: 'utf8',
      timeout: 280_000,
    });
    const out = `${run.stdout}\n${run.stderr}`;
    expect(out, out).toMatch(/Tests\s+\d+ passed/);
    expect(run.status, out).toBe(0);
  }, 300_000);

  it('keeps its data across a restart, on the same port when it is free', async () => {
    await query(cluster!.url, 'CREATE TABLE IF NOT EXISTS kept (v text); INSERT INTO kept VALUES (\'before the restart\')');
    const port = cluster!.port;
    await cluster!.stop();
    expect(await answers(cluster!.url)).toBe(false);
    cluster = await startEmbeddedPostgres(dataDir, 'postgres');
    expect(cluster.port).toBe(port);
    expect(await query<{ v: string }>(cluster.url, 'SELECT v FROM kept')).toEqual([{ v: 'before the restart' }]);
  });
});
