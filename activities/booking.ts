import type { Allocation, Leftover } from '../workflows/types';
import type { ActivityDeps, AllocationRequest } from './deps';
import type { BookingEventInput } from '../db/booking-events';
import { asStep } from './failures';
import { waitForDatabase } from '../db/outage';
import { heartbeating } from './heartbeat';
import { Context } from '@temporalio/activity';
import type { BookingSnapshot } from '../workflows/types';

export function createBookingActivities(deps: Pick<ActivityDeps, 'allocator' | 'events' | 'inventory'>) {
  return {
    /** Hosts (by name or flavor) and one VLAN per booking network, for the booking's time range. */
    async allocateBooking(request: AllocationRequest): Promise<Allocation> {
      return asStep(() => deps.allocator.allocate(request));
    },
    /** A flavor booking's host that failed twice: out of service, and another free host of the flavor instead. */
    async substituteHost(request: { bookingId: string; failed: string; keep: string[]; flavor: string }): Promise<{ host: string }> {
      await asStep(() => deps.inventory.setMaintenance(request.failed, `failed provisioning twice in booking ${request.bookingId}`));
      return { host: await asStep(() => deps.allocator.substitute(request)) };
    },
    async extendAllocation({ bookingId, end }: { bookingId: string; end: string }): Promise<void> {
      await asStep(() => deps.allocator.extend(bookingId, end));
    },
    /** An undo under a count of attempts: it waits out a database outage inside each attempt instead of spending them. */
    async releaseAllocation({ bookingId }: { bookingId: string }): Promise<void> {
      // Heartbeating while it waits: its heartbeat timeout must not end the wait.
      await heartbeating({}, () => asStep(() => waitForDatabase(() => deps.allocator.release(bookingId))));
    },
    /**
     * Append to the booking's read-side event list; the key makes a replayed append a no-op. With
     * `view`, the booking's snapshot goes to the read model too (an older one never overtakes it).
     */
    async recordBookingEvent({ view, ...event }: BookingEventInput & { view?: BookingSnapshot }): Promise<void> {
      if (view && deps.events.view) await deps.events.view(event.bookingId, Context.current().info.workflowExecution?.runId ?? '', view);
      await deps.events.append(event);
    },
    /** The durable record of what could not be undone, for operators and `laas cleanup list`. */
    async recordLeftovers({ bookingId, leftovers }: { bookingId: string; leftovers: Leftover[] }): Promise<void> {
      await deps.events.leftovers(bookingId, leftovers);
    },
  };
}
