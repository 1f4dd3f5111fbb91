import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSwitchLock } from '../../drivers/switch/lock';
import { SwitchBusy } from '../../drivers/switch/switch';

// Two pools stand for two worker processes: each has its own database connections.
const url = process.env.LAAS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
let workerA: pg.Pool;
let workerB: pg.Pool;
const run = randomUUID().slice(0, 8);
const sw = (name: string) => `${name}-${run}`;

beforeAll(() => {
  workerA = new pg.Pool({ connectionString: url, max: 2 });
  workerB = new pg.Pool({ connectionString: url, max: 2 });
});
afterAll(async () => {
  await workerA?.end();
  await workerB?.end();
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

describe('switch lock (PostgreSQL advisory lock per switch)', () => {
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
});
