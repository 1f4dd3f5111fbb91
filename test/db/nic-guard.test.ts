/**
 * A booked host's NICs stay while the booking runs: its switch undo finds the host's ports through
 * them, so a NIC deleted mid-booking would leave its port on the booking's VLANs unnoticed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateBooking, releaseBooking } from '../../db/allocations';
import { BlockedError } from '../../db/errors';
import { ensureLab, setVlanPool } from '../../db/labs';
import { hostHoldings } from '../../db/holdings';
import { listHostNames } from '../../db/hosts';
import { deleteNic, registerNic } from '../../db/nics';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

describe('a booked host: its holdings, and deleting its NICs', () => {
  let t: TempDatabase;
  beforeAll(async () => {
    t = await createTempDatabase();
    const lab = await ensureLab(t.db, 'lab1');
    await t.db.updateTable('labs').set({ max_lease_hours: 24 }).execute();
    await t.db
      .insertInto('hosts')
      .values(['h1', 'h2'].map((name) => ({ lab_id: lab.id, name, flavor: 'small', attributes: '{}', state: 'available' as const })))
      .execute();
    await setVlanPool(t.db, lab.id, [100]);
    for (const host of ['h1', 'h2']) for (const nic of ['eno1', 'eno2']) await registerNic(t.db, host, nic, {});
  });
  afterAll(async () => {
    await t?.drop();
  });
  const hostId = async (name: string) => (await t.db.selectFrom('hosts').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;

  it('is refused while a started booking holds the host, naming it; allowed once released, and for a free host', async () => {
    const now = Date.now();
    await allocateBooking(t.db, { bookingId: 'b1', project: 'p', owner: 'alice', hosts: [{ name: 'h1' }], networks: [], range: { start: new Date(now - 60_000), end: new Date(now + 3_600_000) } });

    const refused = await deleteNic(t.db, 'h1', 'eno2').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BlockedError);
    expect((refused as Error).message).toBe('Nic eno2 on Node h1 is in use by booking b1; delete it after the booking ends');
    expect(await t.db.selectFrom('nics').select('label').where('label', '=', 'eno2').execute()).toHaveLength(2);

    // Only h1 is held: the holding of one host says nothing of another.
    expect(await hostHoldings(t.db, await hostId('h2'))).toEqual([]);
    expect((await hostHoldings(t.db, await hostId('h1'))).map((h) => h.bookingId)).toEqual(['b1']);
    expect(await listHostNames(t.db, 'free')).toEqual(['h2']);
    await deleteNic(t.db, 'h2', 'eno2');
    await releaseBooking(t.db, 'b1');
    await deleteNic(t.db, 'h1', 'eno2');
    expect(await t.db.selectFrom('nics').select('label').where('label', '=', 'eno2').execute()).toEqual([]);
  });
});
