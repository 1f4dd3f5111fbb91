import { connect } from '../../db/connection';
import { reopenBooking, type ReopenOutcome } from '../../db/allocations';
import { isInventoryError } from '../../db/errors';
import { loadSettings } from '../../config/settings';
import { CliError, EXIT, type CliContext } from '../context';
import type { ApiClient } from './api-client';
import { failedStep, type BookingView } from './booking-types';
import { connectTemporal, planBookingReset, resetBooking, temporalResetCommand, type TemporalTarget } from './booking-reset';

export interface RetryOptions {
  abort?: boolean;
  host?: string;
  dryRun?: boolean;
  reopenOnly?: boolean;
  address?: string;
  namespace?: string;
}

/** A held booking waits in its workflow: the API passes the operator's answer on. */
async function answerHold(api: ApiClient, b: BookingView, opts: RetryOptions, ctx: CliContext, json: boolean): Promise<boolean> {
  if (opts.dryRun || opts.reopenOnly) throw new CliError(`booking ${b.id} is held: --dry-run and --reopen-only are for failed bookings`, EXIT.usage);
  const action = opts.abort ? 'abort' : 'retry';
  const { hosts } = await api.answerHold(b.id, action, opts.host);
  const held = b.hosts.filter((h) => h.held && hosts.includes(h.name)).map((h) => `${h.name} (held at ${h.held!.step})`);
  if (json) ctx.out(JSON.stringify({ ok: true, id: b.id, action, hosts }));
  else ctx.out(`booking ${b.id}: ${action === 'retry' ? 'retrying' : 'aborting'} ${held.join(', ') || hosts.join(', ')}`);
  return true;
}

const REOPENED: Record<ReopenOutcome, string> = {
  reopened: 'released allocation reopened',
  open: 'allocation already reopened',
  unallocated: 'no released allocation to reopen',
};

/** A failed booking's workflow is closed: reset it with Temporal (see booking-reset.ts for where to). */
async function resetFailed(b: BookingView, opts: RetryOptions, ctx: CliContext, json: boolean): Promise<boolean> {
  if (opts.abort) throw new CliError(`booking ${b.id} already failed and was undone: there is nothing to abort`, EXIT.usage);
  if (opts.host) throw new CliError(`--host answers a held booking; failed booking ${b.id} restarts as a whole`, EXIT.usage);
  if (Date.parse(b.end) <= Date.now()) throw new CliError(`the lease of booking ${b.id} ended at ${b.end}: book again instead`, EXIT.failed);
  const settings = loadSettings();
  const target: TemporalTarget = { address: opts.address ?? settings.TEMPORAL_ADDRESS, namespace: opts.namespace ?? settings.TEMPORAL_NAMESPACE };
  const failed = failedStep(b);
  const failedAt = failed ? `${failed.host ?? 'booking'} ${failed.step}` : 'the booking';
  const temporal = await connectTemporal(target, (warning) => ctx.err(`laas: ${warning}`));
  try {
    const plan = await planBookingReset(temporal.client, b.id, failedAt);
    const command = temporalResetCommand(plan, target);
    const { event: _event, ...shown } = plan;
    const cause = failed ? `${failedAt} failed (${failed.error.type}: ${failed.error.message})` : `it failed${b.error ? ` (${b.error.type}: ${b.error.message})` : ''}`;
    const why = `Its undos ran back to its allocation, so it restarts there: workflow ${plan.workflowId} from event ${plan.eventId} of run ${plan.runId}.`;
    if (opts.dryRun) {
      if (json) ctx.out(JSON.stringify({ ok: true, dryRun: true, ...shown, command }));
      else ctx.out([`booking ${b.id}: ${cause}.`, why, 'Nothing changed (--dry-run). To do it: laas bookings retry ' + b.id, `or: laas bookings retry ${b.id} --reopen-only, then:`, `  ${command}`].join('\n'));
      return false;
    }
    const db = connect(settings.DATABASE_URL, { max: 1 });
    let newRunId: string;
    try {
      let outcome: ReopenOutcome;
      try {
        outcome = await reopenBooking(db, b.id);
      } catch (err) {
        if (isInventoryError(err)) throw new CliError(`cannot reopen booking ${b.id}: ${err.message}`, EXIT.failed);
        throw new CliError(`cannot reopen the allocation of booking ${b.id} in the database: ${(err as Error).message}`, EXIT.unreachable);
      }
      if (opts.reopenOnly) {
        if (json) ctx.out(JSON.stringify({ ok: true, id: b.id, reopened: outcome === 'reopened', outcome, command }));
        else ctx.out([`booking ${b.id}: ${REOPENED[outcome]}. Now reset it with:`, `  ${command}`].join('\n'));
        return false;
      }
      // Should the reset fail, the booking stays reopened: it holds nothing, and a retry finds it open.
      newRunId = await resetBooking(temporal.client, plan);
    } finally {
      await db.destroy();
    }
    if (json) ctx.out(JSON.stringify({ ok: true, action: 'reset', ...shown, newRunId, command }));
    else {
      ctx.out([
        `booking ${b.id}: ${cause}.`,
        why,
        `Reset done: new run ${newRunId}. Follow it with: laas bookings watch ${b.id}`,
        `The same with Temporal's CLI (after laas bookings retry ${b.id} --reopen-only):`,
        `  ${command}`,
      ].join('\n'));
    }
    return true;
  } finally {
    await temporal.close();
  }
}

/**
 * `laas bookings retry`: answers a held booking through the API, resets a failed one with Temporal.
 * Answers the state the booking is leaving when it was set going again, null when nothing changed.
 */
export async function retryBooking(api: ApiClient, id: string, opts: RetryOptions, ctx: CliContext, json: boolean): Promise<string | null> {
  const b = await api.getBooking(id);
  switch (b.state) {
    case 'held':
      return (await answerHold(api, b, opts, ctx, json)) ? b.state : null;
    case 'failed':
      return (await resetFailed(b, opts, ctx, json)) ? b.state : null;
    case 'needs_cleanup':
      throw new CliError(`booking ${id} needs cleanup, not a retry: laas cleanup retry ${id} once the cause is fixed`, EXIT.usage);
    default:
      throw new CliError(`booking ${id} is ${b.state}: nothing to retry (only held and failed bookings are)`, EXIT.failed);
  }
}
