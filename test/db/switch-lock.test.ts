import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resilientPool } from '../../db/connection';
import { withSwitchLock } from '../../activities/switch-lock';
import { SwitchBusy } from '../../drivers/switch/switch';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';
import { TcpProxy } from '../helpers/tcp-proxy';

// Two pools stand for two worker processes: each has its own database connections.
let database: TempDatabase;
let workerA: pg.Pool;
let workerB: pg.Pool;
const run = randomUUID().slice(0, 8);
const sw = (name: string) => `${name}-${run}`;

beforeAll(async () => {
  database = await createTempDatabase();
  workerA = resilientPool(database.url, { max: 2 });
  workerB = resilientPool(database.url, { max: 2 });
});
afterAll(async () => {
  await workerA?.end();
  await workerB?.end();
  await database?.drop();
});

/** A change that holds the switch until `release()` is called. */
function holdSwitch(pool: pg.Pool, name: string, events: string[]) {
  let release!: () => void;
  let held!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const holding = new Promise<void>((r) => (held = r));
  const done = withSwitchLock(pool, name, async () => {
    events.push('A starts');
    held();
    await gate;
    events.push('A ends');
  });
  return { holding, release, done };
}

describe('switch lock (a lease per switch in PostgreSQL)', () => {
  it('a second worker waits for the first to finish with the switch, then gets it', async () => {
    const events: string[] = [];
    const a = holdSwitch(workerA, sw('leaf1'), events);
    await a.holding;
    const b = withSwitchLock(workerB, sw('leaf1'), () => Promise.resolve(events.push('B runs')), { waitMs: 20_000, pollMs: 20 });
    // Give B time to try (and be refused) a few times while A still holds the switch.
    await sleep(300);
    expect(events).toEqual(['A starts']);
    a.release();
    await Promise.all([a.done, b]);
    expect(events).toEqual(['A starts', 'A ends', 'B runs']);
  });

  it('gives up with SwitchBusy after the bounded wait, naming the switch', async () => {
    const events: string[] = [];
    const a = holdSwitch(workerA, sw('leaf2'), events);
    await a.holding;
    const err = await withSwitchLock(workerB, sw('leaf2'), () => Promise.resolve(events.push('B runs')), { waitMs: 200, pollMs: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchBusy);
    expect((err as SwitchBusy).message).toContain(sw('leaf2'));
    expect((err as SwitchBusy).retryable).toBe(true);
    a.release();
    await a.done;
    expect(events).toEqual(['A starts', 'A ends']);
  });

  it('different switches do not wait for each other', async () => {
    const events: string[] = [];
    const a = holdSwitch(workerA, sw('leaf3'), events);
    await a.holding;
    await withSwitchLock(workerB, sw('leaf4'), () => Promise.resolve(events.push('B runs')), { waitMs: 0 });
    a.release();
    await a.done;
    expect(events).toEqual(['A starts', 'B runs', 'A ends']);
  });

  it('a change that fails still frees the switch', async () => {
    await expect(withSwitchLock(workerA, sw('leaf5'), () => Promise.reject(new Error('switch said no')))).rejects.toThrow('switch said no');
    await expect(withSwitchLock(workerB, sw('leaf5'), () => Promise.resolve('next change'), { waitMs: 0 })).resolves.toBe('next change');
  });

  it('a database outage in the middle of a change neither breaks it nor crashes the process; the switch is free once the database is back', async () => {
    const pgUrl = new URL(database.url);
    const proxy = await new TcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) }).start();
    const viaProxy = resilientPool(proxy.url(database.url), { max: 2, connectTimeoutMs: 2_000 });
    try {
      const events: string[] = [];
      const change = withSwitchLock(viaProxy, sw('leaf6'), async () => {
        events.push('change starts');
        // A checked-out client with a query in flight (as Kysely runs one): its 'error' event used to crash the process.
        const client = await viaProxy.connect();
        const inFlight = client.query('SELECT pg_sleep(5)').then(() => 'answered', () => 'failed');
        void inFlight.then(() => client.release(true));
        await sleep(200);
        await proxy.cut();
        events.push(`query in flight: ${await inFlight}`);
        await sleep(1_500);
        events.push('change ends');
        return 'done';
      });
      await expect(change).resolves.toBe('done');
      expect(events).toEqual(['change starts', 'query in flight: failed', 'change ends']);
      // The lease could not be given back during the outage: it is once the database answers again.
      await proxy.restore();
      await expect(withSwitchLock(workerB, sw('leaf6'), () => Promise.resolve('next change'), { waitMs: 10_000, pollMs: 100 })).resolves.toBe('next change');
    } finally {
      await proxy.stop();
      await viaProxy.end();
    }
  });

  it('a holder that died frees the switch when its lease runs out', async () => {
    await workerA.query(`INSERT INTO switch_locks (switch, holder, expires_at) VALUES ($1, 'a worker that died', now() + interval '1 second')`, [sw('leaf7')]);
    const started = Date.now();
    await expect(withSwitchLock(workerB, sw('leaf7'), () => Promise.resolve('taken over'), { waitMs: 10_000, pollMs: 50 })).resolves.toBe('taken over');
    expect(Date.now() - started).toBeGreaterThan(500);
  });
});
