import { getAggregate, getInstance } from '../../db/liblaas-aggregates';
import type { LiblaasInstanceRow } from '../../db/tables/liblaas';
import { readBookingView, type BookingViewJson } from './booking-status-source';
import { LiblaasJsonError, type LiblaasContext } from './context';
import { isUuid } from './ids';

export interface ResolvedInstance {
  instance: LiblaasInstanceRow;
  view: BookingViewJson;
  /** The laas host linked to the instance. */
  host: string;
}

/**
 * An instance id to its booking and host, for the power and reimage routes: liblaas's JSON
 * errors (`{"message"}`, 400) for an unknown instance, one with no host yet, an inactive booking.
 */
export async function resolveInstance(ctx: LiblaasContext, id: string, options: { active: boolean }): Promise<ResolvedInstance> {
  const instance = isUuid(id) ? await getInstance(ctx.db, id) : null;
  if (!instance || !(await getAggregate(ctx.db, instance.aggregate_id))) throw new LiblaasJsonError(400, 'Invalid instance ID');
  const view = await readBookingView(ctx, instance.aggregate_id);
  const host = view?.hosts[instance.slot];
  if (!view || !host || host.name.startsWith('(')) throw new LiblaasJsonError(400, 'No linked hosts');
  // A host whose steps are done shows "Successfully Provisioned" while the booking still creates
  // its VPN accounts and headnode: the dashboard may use it from then on.
  const hostReady = view.state === 'provisioning' && host.steps.every((s) => s.status === 'done');
  if (options.active && view.state !== 'active' && !hostReady) throw new LiblaasJsonError(400, 'Cannot perform operation on an inactive host');
  return { instance, view, host: host.name };
}
