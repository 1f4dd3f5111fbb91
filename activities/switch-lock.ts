import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import { isDatabaseUnavailable } from '../db/outage';
import { SwitchBusy } from '../drivers/switch/switch';

export interface SwitchLockOptions {
  /** How long to wait for another change to the same switch to finish. */
  waitMs?: number;
  /** How often to ask again while waiting. */
  pollMs?: number;
  /** How long a lease lasts unless renewed; a holder that died frees the switch after this. */
  leaseMs?: number;
}

const LEASE_MS = 60_000;

/**
 * Runs `work` holding the switch's lease in `switch_locks`. The lease is taken, renewed and given
 * back in single short statements: no database session is held while the switch is worked on, so
 * a database outage in the middle of a change neither breaks the change nor crashes the worker
 * (renewals fail quietly and resume; the lease outlives them). A holder that died frees the
 * switch when its lease runs out. Within one process changes to a switch queue in memory first,
 * so the database only arbitrates between processes. Throws SwitchBusy when the switch stays held
 * longer than `waitMs`; a database that stays unreachable that long fails with its own error.
 */
export async function withSwitchLock<T>(pool: Pool, switchName: string, work: () => Promise<T>, options: SwitchLockOptions = {}): Promise<T> {
  return inProcess(pool, switchName, async () => {
    const leaseMs = options.leaseMs ?? LEASE_MS;
    const holder = `${hostname()}:${process.pid}:${randomUUID()}`;
    await acquire(pool, switchName, holder, leaseMs, options.waitMs ?? 30_000, options.pollMs ?? 100);
    const renew = setInterval(() => {
      pool.query(`UPDATE switch_locks SET expires_at = now() + $3 * interval '1 millisecond' WHERE switch = $1 AND holder = $2`, [switchName, holder, leaseMs]).catch(() => undefined);
    }, leaseMs / 4);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await release(pool, switchName, holder, leaseMs);
    }
  });
}

/** Per pool and switch: the tail of the queue of changes waiting in this process. */
const queues = new WeakMap<Pool, Map<string, Promise<unknown>>>();

async function inProcess<T>(pool: Pool, switchName: string, work: () => Promise<T>): Promise<T> {
  const byName = queues.get(pool) ?? new Map<string, Promise<unknown>>();
  queues.set(pool, byName);
  const before = byName.get(switchName) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(work);
  const tail = mine.catch(() => undefined);
  byName.set(switchName, tail);
  try {
    return await mine;
  } finally {
    if (byName.get(switchName) === tail) byName.delete(switchName);
  }
}

async function acquire(pool: Pool, switchName: string, holder: string, leaseMs: number, waitMs: number, pollMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      const res = await pool.query(
        `INSERT INTO switch_locks (switch, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
         ON CONFLICT (switch) DO UPDATE SET holder = excluded.holder, taken_at = now(), expires_at = excluded.expires_at
         WHERE switch_locks.expires_at < now()
         RETURNING holder`,
        [switchName, holder, leaseMs],
      );
      if (res.rowCount) return;
    } catch (err) {
      // An outage: keep asking until the wait runs out, then let the step's retry policy decide.
      if (!isDatabaseUnavailable(err) || Date.now() - started >= waitMs) throw err;
    }
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new SwitchBusy(switchName, waited);
    await sleep(Math.min(pollMs, waitMs - waited));
  }
}

/**
 * Gives the lease back. When the database is unreachable the lease is given back later, in the
 * background, for as long as it would last anyway; the change itself is done.
 */
async function release(pool: Pool, switchName: string, holder: string, leaseMs: number): Promise<void> {
  const give = () => pool.query('DELETE FROM switch_locks WHERE switch = $1 AND holder = $2', [switchName, holder]);
  try {
    await give();
  } catch {
    void (async () => {
      const until = Date.now() + leaseMs;
      while (Date.now() < until) {
        await sleep(2_000);
        if (await give().then(() => true, () => false)) return;
      }
    })();
  }
}
