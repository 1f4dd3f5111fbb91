import type { Client } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import { bookingViewRow, clearCredentialsPending, getBookingView, type BookingViewJson } from '../db/booking-views';
import { inScope, type Principal } from './auth/principal';
import { bookingNotFound, visibleBooking } from './booking-facts';
import { claimCredentials, receivesCredentials } from './credentials';

export interface ReadDeps {
  temporal: Client;
  db: Kysely<Database>;
  lab: string;
}

/**
 * The booking if the caller may see it, from the read model: another lab's or another project's
 * booking answers like one that does not exist. A booking the read model has not heard of yet (its
 * first bookkeeping activity has not run, or it started before the read model existed) is looked
 * up in Temporal's own record instead; null then means "ask Temporal for the rest too".
 */
export async function visibleView(deps: ReadDeps, principal: Principal, id: string): Promise<BookingViewJson | null> {
  const view = await getBookingView(deps.db, id);
  if (!view) {
    await visibleBooking(deps.temporal, deps.lab, principal, id);
    return null;
  }
  if (view.lab !== deps.lab || !inScope(principal, view.project)) throw bookingNotFound(id);
  return view;
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
export async function withCredentials(deps: ReadDeps, request: FastifyRequest, principal: Principal, view: BookingViewJson): Promise<BookingViewJson> {
  if (!view.access || !receivesCredentials(principal, view.owner)) return view;
  const row = await bookingViewRow(deps.db, view.id);
  if (!row?.credentials_pending) return view;
  let claimed: Record<string, string> | null;
  try {
    claimed = await claimCredentials(deps.temporal, deps.db, request, principal, view.id);
  } catch (err) {
    // Temporal or the worker is away: the booking reads without them, and a later read claims them.
    request.log.warn({ err }, `booking ${view.id}: VPN passwords not claimed`);
    return view;
  }
  await clearCredentialsPending(deps.db, view.id);
  return claimed ? { ...view, access: { ...view.access, vpnPasswords: claimed } } : view;
}
