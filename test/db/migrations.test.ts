import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDown, migrateToLatest } from '../../db/migrator';
import { migrations } from '../../db/migrations/index';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

async function tables(t: TempDatabase): Promise<string[]> {
  const rows = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(t.db);
  return rows.rows.map((r) => r.table_name);
}

describe('migrations on an empty database', () => {
  let t: TempDatabase;
  beforeAll(async () => {
    t = await createTempDatabase({ migrate: false });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('go up, all the way down, and up again', async () => {
    const first = await migrateToLatest(t.db);
    expect(first).toEqual(Object.keys(migrations).map((name) => `applied ${name}`));
    const full = await tables(t);
    expect(full).toEqual(
      expect.arrayContaining(['hosts', 'nics', 'switches', 'ports', 'networks', 'vlan_pool', 'host_allocations', 'vlan_allocations']),
    );

    // Re-running is a no-op.
    expect(await migrateToLatest(t.db)).toEqual([]);

    for (let i = Object.keys(migrations).length; i > 0; i--) await migrateDown(t.db);
    expect(await tables(t)).toEqual([]);

    await migrateToLatest(t.db);
    expect(await tables(t)).toEqual(full);
  });
});
