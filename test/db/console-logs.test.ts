/**
 * The console log the lab's worker writes and the API reads: bounded to its newest bytes, a live
 * reader gets exactly what it has not seen, a stopped capture's writes find no log, and the log
 * goes with its node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendConsoleLog, consoleLogSince, consoleLogState, deleteConsoleLog, markConsoleLog, readConsoleLog, requestConsoleLog } from '../../db/console-logs';
import { deleteHost, registerHost } from '../../db/hosts';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

let t: TempDatabase;
beforeAll(async () => {
  t = await createTempDatabase();
  await registerHost(t.db, { lab: 'cl', name: 'n1', metadata: {} });
});
afterAll(async () => {
  await t?.drop();
});

describe('console logs', () => {
  it('keeps the newest bytes, counts all of them, and hands a live reader what it has not seen', async () => {
    expect(await appendConsoleLog(t.db, 'n1', Buffer.from('before anyone asked'))).toBe(false);
    expect(await readConsoleLog(t.db, 'n1')).toBeNull();
    await requestConsoleLog(t.db, 'n1');
    expect(await consoleLogState(t.db, 'n1')).toEqual({ state: 'starting', endedReason: null });
    expect(await markConsoleLog(t.db, 'n1', 'running')).toBe(true);
    expect(await appendConsoleLog(t.db, 'n1', Buffer.from('0123456789'), 16)).toBe(true);
    const reader = await consoleLogSince(t.db, 'n1', 0);
    expect(reader).toEqual({ total: 10, bytes: Buffer.from('0123456789') });
    expect(await appendConsoleLog(t.db, 'n1', Buffer.from('abcdefghij'), 16)).toBe(true);
    // Bounded: 16 bytes kept of 20 written.
    expect((await readConsoleLog(t.db, 'n1'))!.toString()).toBe('456789abcdefghij');
    expect(await consoleLogSince(t.db, 'n1', reader!.total)).toEqual({ total: 20, bytes: Buffer.from('abcdefghij') });
    expect(await consoleLogSince(t.db, 'n1', 20)).toEqual({ total: 20, bytes: Buffer.alloc(0) });
    // A reader that fell further behind than the log reaches gets what is left.
    expect((await consoleLogSince(t.db, 'n1', 1))!.bytes.toString()).toBe('456789abcdefghij');
    // Bytes stay bytes (a console may send anything).
    expect(await appendConsoleLog(t.db, 'n1', Buffer.from([0, 255, 27, 91]), 16)).toBe(true);
    expect([...(await readConsoleLog(t.db, 'n1'))!.subarray(-4)]).toEqual([0, 255, 27, 91]);
  });

  it('starts an ended capture again with its log kept, and forgets the log when stopped or when its node goes', async () => {
    await markConsoleLog(t.db, 'n1', 'ended', 'ipmitool sol ended');
    await requestConsoleLog(t.db, 'n1');
    expect(await consoleLogState(t.db, 'n1')).toEqual({ state: 'starting', endedReason: null });
    expect((await readConsoleLog(t.db, 'n1'))!.length).toBe(16);
    expect(await deleteConsoleLog(t.db, 'n1')).toBe(true);
    expect(await appendConsoleLog(t.db, 'n1', Buffer.from('late'))).toBe(false);
    expect(await markConsoleLog(t.db, 'n1', 'running')).toBe(false);
    expect(await consoleLogSince(t.db, 'n1', 0)).toBeNull();
    await requestConsoleLog(t.db, 'n1');
    await deleteHost(t.db, 'n1');
    expect(await t.db.selectFrom('console_logs').selectAll().execute()).toEqual([]);
  });
});
