import type { Kysely } from 'kysely';
import type { Database } from './database';

/** One write of a step's record; fields left undefined keep what the row has. */
export interface StepWrite {
  bookingId: string;
  /** Empty for the booking's own steps. */
  host: string;
  step: string;
  status: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  attempt?: number;
  progress?: number | null;
  rebootWaitMs?: number | null;
  error?: { type: string; message: string } | null;
  /** Orders the writes of one step: a write with a lower ordinal than the row's is stale and dropped. */
  ordinal: number;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** Idempotent upsert: the same write twice, or an older one arriving late, changes nothing. */
export async function recordStep(db: Kysely<Database>, w: StepWrite): Promise<void> {
  const values = {
    booking_id: w.bookingId,
    host: w.host,
    step: w.step,
    status: w.status,
    started_at: w.startedAt ?? null,
    finished_at: w.finishedAt ?? null,
    attempt: w.attempt ?? null,
    progress: w.progress ?? null,
    reboot_wait_ms: w.rebootWaitMs ?? null,
    error: json(w.error),
    ordinal: w.ordinal,
  };
  const set: Record<string, unknown> = { status: w.status, ordinal: w.ordinal };
  if (w.startedAt !== undefined) set.started_at = w.startedAt;
  if (w.finishedAt !== undefined) set.finished_at = w.finishedAt;
  if (w.attempt !== undefined) set.attempt = w.attempt;
  if (w.progress !== undefined) set.progress = w.progress;
  if (w.rebootWaitMs !== undefined) set.reboot_wait_ms = w.rebootWaitMs;
  if (w.error !== undefined) set.error = json(w.error);
  await db
    .insertInto('booking_host_steps')
    .values(values)
    .onConflict((oc) =>
      oc
        .columns(['booking_id', 'host', 'step'])
        .doUpdateSet(set)
        .where('booking_host_steps.ordinal', '<', (eb) => eb.ref('excluded.ordinal')),
    )
    .execute();
}

export interface HostAccess {
  bookingId: string;
  host: string;
  address: string;
  addresses: string[];
  loginUser: string;
  port: number;
}

/** Where the booking's user logs in to a host: recorded once its network is up. */
export async function recordHostAccess(db: Kysely<Database>, a: HostAccess): Promise<void> {
  const row = { address: a.address, addresses: JSON.stringify(a.addresses), login_user: a.loginUser, port: a.port };
  await db
    .insertInto('booking_view_hosts')
    .values({ booking_id: a.bookingId, host: a.host, ...row })
    .onConflict((oc) => oc.columns(['booking_id', 'host']).doUpdateSet(row))
    .execute();
}
