import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCredential, listCredentials, rotateCredentials, setCredential } from '../../db/credentials';
import { newKeyEntry, parseKeyring } from '../../db/crypto';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

describe('credentials at rest', () => {
  let t: TempDatabase;
  beforeAll(async () => {
    t = await createTempDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('stores only ciphertext, reads it back, and re-seals under a new key', async () => {
    const old = parseKeyring(newKeyEntry('2026a'));
    await setCredential(t.db, old, 'bmc/h1', { username: 'ADMIN', password: 'Sup3r-Secret-BMC' });
    await setCredential(t.db, old, 'switch/sw1', { username: 'netops', password: 'Sw1tch-Secret' });

    // Nothing in the table's text form carries the secrets.
    const dump = await sql<{ row: string }>`select credentials::text as row from credentials`.execute(t.db);
    const text = dump.rows.map((r) => r.row).join('\n');
    expect(text).not.toContain('Sup3r-Secret-BMC');
    expect(text).not.toContain(Buffer.from('Sup3r-Secret-BMC').toString('hex'));
    expect(await getCredential(t.db, old, 'bmc/h1')).toEqual({ username: 'ADMIN', password: 'Sup3r-Secret-BMC' });

    const next = parseKeyring(`${newKeyEntry('2026b')},${[...old.keys].map(([id, k]) => `${id}:${k.toString('base64')}`).join(',')}`);
    expect(await rotateCredentials(t.db, next)).toBe(2);
    expect((await listCredentials(t.db)).map((c) => c.keyId)).toEqual(['2026b', '2026b']);
    // The old key can now be dropped.
    const onlyNew = parseKeyring([...next.keys].filter(([id]) => id === '2026b').map(([id, k]) => `${id}:${k.toString('base64')}`).join(','));
    expect(await getCredential(t.db, onlyNew, 'switch/sw1')).toEqual({ username: 'netops', password: 'Sw1tch-Secret' });
    await expect(getCredential(t.db, onlyNew, 'nope')).rejects.toMatchObject({ type: 'NotFoundError' });
  });
});
