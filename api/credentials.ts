import type { Client } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import { recordAudit } from '../db/audit';
import { bookingWorkflowId, claimCredentialsUpdate } from '../workflows/definitions';
import { actorOf, type Principal } from './auth/principal';

/**
 * Reading a booking hands its generated VPN passwords over only on the owner's own request (the
 * owner's token, or a dashboard acting for the owner). An administrator, a dashboard acting for
 * nobody or another member reads the booking without them and leaves them for the owner; they
 * ask explicitly (POST /v1/bookings/:id/vpn-password) when they mean to take them.
 */
export function receivesCredentials(p: Principal, owner: string): boolean {
  if (p.kind === 'admin') return false;
  if (p.kind === 'user') return p.name === owner;
  return p.actingFor !== null && p.actingFor.name === owner;
}

/**
 * Takes the passwords from the booking, which forgets them in the same step, so they are shown
 * once even to two readers asking at the same moment (the other gets null). A reader whose answer
 * is lost gets new ones issued by an operator (the VPN step reissues a lost password). The
 * hand-over is audited like a change: it is one.
 */
export async function claimCredentials(temporal: Client, db: Kysely<Database>, request: FastifyRequest, p: Principal, bookingId: string): Promise<Record<string, string> | null> {
  const passwords = await temporal.workflow.getHandle(bookingWorkflowId(bookingId)).executeUpdate(claimCredentialsUpdate, { args: [] });
  if (!passwords) return null;
  await recordAudit(db, {
    ...actorOf(p),
    action: 'booking.credentials',
    method: request.method,
    path: request.url.split('?')[0]!,
    subject: bookingId,
    status: 200,
    detail: { vpnAccounts: Object.keys(passwords) },
    requestId: request.id,
  });
  return passwords;
}
