/**
 * The booking's addAccess Update (issue 11, liblaas's addusers): on an active booking the new
 * users' keys land on every host and they get VPN accounts; both go with the booking at release
 * (no residue). Refused before the booking is active. Records its history shape for the replay test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { addAccessUpdate, releaseSignal } from '../../workflows/definitions';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, updateRefusal, waitForState } from '../helpers/booking';
import { ed25519Blob, keyLine } from '../unit/ssh-keys.fixtures';

let env: LabWorker;
beforeAll(async () => {
  env = await startLabWorker();
});
afterAll(async () => {
  await env?.close();
});

describe('addAccess', () => {
  it('puts the new users\' keys on every host and makes their VPN accounts; release removes both', async () => {
    const input = sampleBooking(['sim-01', 'sim-02'], { headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    expect(await updateRefusal(handle.executeUpdate(addAccessUpdate, { args: [{ users: ['bob'], sshKeys: [] }] }))).toMatch(/access is added to active bookings only/);
    await waitForState(handle, ['active']);
    const bobKey = keyLine(ed25519Blob(), 'bob');
    const result = await handle.executeUpdate(addAccessUpdate, { args: [{ users: ['bob'], sshKeys: [bobKey] }] });
    expect(result.vpnAccounts.sort()).toEqual(['alice', 'bob']);
    for (const h of ['sim-01', 'sim-02']) expect([...env.simLab.host(h).files.values()].some((f) => f.content.includes(bobKey))).toBe(true);
    expect([...env.simLab.accounts.values()].map((a) => a.uid).sort()).toEqual(['alice', 'bob']);
    await handle.signal(releaseSignal, { reason: 'test' });
    expect((await handle.result()).state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);
    if (process.env.LAAS_RECORD_HISTORIES === '1') {
      const file = join(import.meta.dirname, '..', 'histories', 'booking-access-added.i11.json');
      if (!existsSync(file)) writeFileSync(file, `${historyToJSON(await handle.fetchHistory())}\n`);
    }
  });
});
