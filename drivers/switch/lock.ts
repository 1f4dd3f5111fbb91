import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { SwitchBusy } from './switch';

export interface SwitchLockOptions {
  /** How long to wait for another change to the same switch to finish. */
  waitMs?: number;
  /** How often to ask again while waiting. */
  pollMs?: number;
}

/**
 * The advisory-lock key of a switch: 64 bits of a hash of its name, so every
 * worker process, on any machine sharing the database, picks the same key.
 */
export function switchLockKey(switchName: string): string {
  return createHash('sha256').update(`laas switch ${switchName}`).digest().readBigInt64BE(0).toString();
}

/**
 * Runs `work` while holding the switch's PostgreSQL advisory lock. The lock
 * belongs to one database connection, which is kept out of the pool until it
 * is unlocked; if that connection dies, PostgreSQL frees the lock with it.
 * Throws SwitchBusy when the switch stays locked longer than `waitMs`.
 */
export async function withSwitchLock<T>(pool: Pool, switchName: string, work: () => Promise<T>, options: SwitchLockOptions = {}): Promise<T> {
  const client = await pool.connect();
  let reusable = true;
  try {
    const key = switchLockKey(switchName);
    try {
      await acquire(client, key, switchName, options.waitMs ?? 30_000, options.pollMs ?? 100);
    } catch (err) {
      if (!(err instanceof SwitchBusy)) reusable = false;
      throw err;
    }
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {
        reusable = false;
      });
    }
  } finally {
    // A connection whose unlock failed may still hold the lock: destroy it rather than reuse it.
    client.release(!reusable);
  }
}

async function acquire(client: PoolClient, key: string, switchName: string, waitMs: number, pollMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const res = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
    if (res.rows[0]?.locked) return;
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new SwitchBusy(switchName, waited);
    await sleep(Math.min(pollMs, waitMs - waited));
  }
}
