import type { Client } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import { bookingViewRow, clearCredentialsPending, readBooking, type BookingRead, type BookingViewJson } from '../db/booking-views';
import { inScope, type Principal } from './auth/principal';
import { bookingNotFound, visibleBooking } from './booking-facts';
import { claimCredentials, receivesCredentials } from './credentials';
import type { BookingReadCache } from './booking-read-cache';

export interface ReadDeps {
  temporal: Client;
  db: Kysely<Database>;
  lab: string;
  /** Reads kept in memory until their booking changes; every read queries PostgreSQL without. */
  cache?: BookingReadCache | undefined;
}

/**
 * The booking if the caller may see it, from the read model: another lab's or another project's
 * booking answers like one that does not exist. A booking the read model has not heard of yet (its
 * first bookkeeping activity has not run, or it started before the read model existed) is looked
 * up in Temporal's own record instead; null then means "ask Temporal for the rest too".
 */
export async function visibleView(deps: ReadDeps, principal: Principal, id: string): Promise<BookingRead | null> {
  const read = deps.cache ? await deps.cache.read(id) : await readBooking(deps.db, id);
  if (!read) {
    await visibleBooking(deps.temporal, deps.lab, principal, id);
    return null;
  }
  if (read.view.lab !== deps.lab || !inScope(principal, read.view.project)) throw bookingNotFound(id);
  return read;
}

/** Authorization only: the read model's row, or Temporal's record when the read model has none yet. */
export async function checkVisible(deps: ReadDeps, principal: Principal, id: string): Promise<void> {
  const row = await bookingViewRow(deps.db, id);
  if (!row) {
    await visibleBooking(deps.temporal, deps.lab, principal, id);
    return;
  }
  if (row.lab !== deps.lab || !inScope(principal, row.project)) throw bookingNotFound(id);
}

/**
 * Generated VPN passwords, when some wait for this caller: they stay in the workflow (claimed by
 * an Update, so this one read needs the worker); once handed over, the read model stops asking.
 */
export async function withCredentials(deps: ReadDeps, request: FastifyRequest, principal: Principal, read: BookingRead): Promise<BookingViewJson> {
  const { view } = read;
  if (!view.access || !read.credentialsPending || !receivesCredentials(principal, view.owner)) return view;
  let claimed: Record<string, string> | null;
  try {
    claimed = await claimCredentials(deps.temporal, deps.db, request, principal, view.id);
  } catch (err) {
    // Temporal or the worker is away: the booking reads without them, and a later read claims them.
    request.log.warn({ err }, `booking ${view.id}: VPN passwords not claimed`);
    return view;
  }
  await clearCredentialsPending(deps.db, view.id);
  deps.cache?.forget(view.id);
  return claimed ? { ...view, access: { ...view.access, vpnPasswords: claimed } } : view;
}
