import { z } from 'zod';
import { BOOKING_STEPS, HOST_STEPS } from '../../workflows/types';

// What the API answers, as the OpenAPI document shows it. The serializer checks every answer
// against these, so a field the workflow adds shows up here before a dashboard sees it.

export const bookingState = z
  .enum(['scheduled', 'provisioning', 'held', 'active', 'releasing', 'released', 'failed', 'needs_cleanup'])
  .meta({ id: 'BookingState', description: 'scheduled: allocated, waiting for its start; held: a failed step waits for an operator; needs_cleanup: some undo failed and waits for an operator' });

const failure = z.object({ type: z.string(), message: z.string() });

export const stepRecord = z
  .object({
    step: z.enum([...HOST_STEPS, ...BOOKING_STEPS]),
    status: z.enum(['pending', 'running', 'done', 'failed', 'undoing', 'undone']),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    attempt: z.number().int().optional(),
    /** Imaging only, 0-100, while it runs. */
    progress: z.number().optional(),
    /** While the step (network) waits for its host to come back from a reboot: ms so far. */
    rebootWaitMs: z.number().int().optional(),
    error: failure.optional(),
  })
  .meta({ id: 'Step' });

export const hostView = z
  .object({
    name: z.string(),
    hostname: z.string(),
    /** Where the booking's user logs in (the lab's address for the host), once its network step is done. */
    address: z.string().optional(),
    addresses: z.array(z.string()).optional(),
    image: z.string().optional(),
    /** The login user whose authorized_keys holds the booking's keys. */
    loginUser: z.string().optional(),
    /** The command that logs in, e.g. `ssh ubuntu@10.0.0.5`. */
    ssh: z.string().optional(),
    held: z.object({ step: z.enum(HOST_STEPS), until: z.string() }).optional(),
    steps: z.array(stepRecord),
  })
  .meta({ id: 'Host' });

export const leftover = z.object({ host: z.string().nullable(), step: z.string(), error: failure }).meta({ id: 'Leftover' });

export const bookingView = z
  .object({
    id: z.string(),
    lab: z.string(),
    project: z.string(),
    owner: z.string(),
    state: bookingState,
    start: z.string(),
    end: z.string(),
    networks: z.array(z.object({ name: z.string(), vlan: z.number().int().nullable() })),
    hosts: z.array(hostView),
    bookingSteps: z.array(stepRecord),
    headnode: z.object({ name: z.string(), console: z.object({ type: z.string(), host: z.string(), port: z.number().int() }).optional() }).optional(),
    access: z
      .object({
        vpnAccounts: z.array(z.string()),
        /** Generated VPN passwords by account, shown once: to the first reader acting for the owner (or an administrator). */
        vpnPasswords: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
    cleanup: z.object({ leftovers: z.array(leftover) }).optional(),
    error: failure.optional(),
  })
  .meta({ id: 'Booking' });

export const bookingSummary = z
  .object({
    id: z.string(),
    project: z.string(),
    owner: z.string(),
    state: bookingState,
    start: z.string(),
    end: z.string(),
    hosts: z.array(z.string()),
  })
  .meta({ id: 'BookingSummary' });

export const bookingList = z.object({
  bookings: z.array(bookingSummary),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});

export const bookingEvent = z
  .object({
    id: z.string(),
    kind: z.string(),
    at: z.string(),
    host: z.string().optional(),
    step: z.string().optional(),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'BookingEvent' });

export const bookingEvents = z.object({ events: z.array(bookingEvent) });
export const extendResult = z.object({ end: z.string() });
export const holdResult = z.object({ hosts: z.array(z.string()) });
export const cleanupResult = z.object({ leftovers: z.array(leftover) });
