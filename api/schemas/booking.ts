import { z } from 'zod';
import { bookingState } from './booking-view';
import { hostnameProblem, nicNameProblem, sshKeyProblem, vlanProblem, vpnUserProblem } from '../../drivers/booking-values';

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_", "-", starting with a letter or digit');
/** The drivers' own check of a value that reaches a device (drivers/booking-values.ts), as a refinement. */
function deviceValue<T>(problem: (value: T) => string | null) {
  return (value: T, ctx: z.RefinementCtx) => {
    const why = problem(value);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  };
}
const instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 instant such as 2026-11-21T10:00:00Z' });

export const interfaceNetwork = z.object({ network: name, tagged: z.boolean().default(false) }).strict();

export const hostRequest = z
  .object({
    name: name.optional(),
    flavor: z.string().min(1).max(64).optional(),
    image: z.string().min(1).max(128),
    /** The OS host name: RFC 1123 labels (letters, digits, inner hyphens). */
    hostname: z.string().max(64).superRefine(deviceValue(hostnameProblem)).optional(),
    /** NIC OS name (eno1) → the booking networks on it; never a prototype's name. */
    interfaces: z.record(
      z.string().regex(/^(?!(__proto__|constructor|prototype)$)[a-zA-Z0-9._-]{1,15}$/, 'an interface name such as eno1'),
      z.array(interfaceNetwork).min(1),
    ),
  })
  .strict()
  .refine((h) => (h.name === undefined) !== (h.flavor === undefined), { message: 'give exactly one of name and flavor', path: ['name'] })
  .superRefine((h, ctx) => {
    for (const [nic, nets] of Object.entries(h.interfaces)) {
      const badName = nicNameProblem(nic);
      if (badName) ctx.addIssue({ code: 'custom', path: ['interfaces', nic], message: badName });
      if (nets.filter((n) => !n.tagged).length > 1) {
        ctx.addIssue({ code: 'custom', path: ['interfaces', nic], message: 'at most one untagged network per NIC' });
      }
    }
  });

export const createBookingBody = z
  .object({
    /** Client-supplied id: the idempotency key. */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "_", ".", "-", at most 64').optional(),
    project: name,
    owner: name,
    purpose: z.string().max(500).optional(),
    start: instant.optional(),
    end: instant,
    networks: z
      .array(
        z
          .object({
            name,
            public: z.boolean().optional(),
            /** A VLAN id of the lab's pool for this network; the allocator picks one when absent. */
            vlan: z
              .number()
              .int()
              .superRefine(deviceValue(vlanProblem))
              .optional()
              .describe("This VLAN id from the lab's pool (e.g. one a dashboard allocated); refused when another booking holds it"),
          })
          .strict(),
      )
      .max(16)
      .default([]),
    hosts: z.array(hostRequest).min(1).max(64),
    access: z
      .object({
        sshKeys: z.array(z.string().min(1).max(16_384).superRefine(deviceValue(sshKeyProblem))).max(32).default([]),
        vpnUsers: z.array(z.string().max(64).superRefine(deviceValue(vpnUserProblem))).max(32).default([]),
      })
      .strict()
      .default({ sshKeys: [], vpnUsers: [] }),
    headnode: z.object({ image: z.string().min(1).max(128), networks: z.array(name).min(1) }).strict().optional(),
    /** Overrides the lab's failure policy for this booking. */
    failurePolicy: z.enum(['compensate', 'hold']).optional(),
    /** What the end does: release (default), or alert (a lease:alert event; the booking is kept until released). */
    leaseEnd: z
      .enum(['release', 'alert'])
      .optional()
      .describe('release (default): the booking is released at its end. alert: the end is a safety bound only; reaching it records a lease:alert event and the booking is kept until it is released (for bookings another system ends, such as the LaaS 2.x dashboard connector\'s)'),
  })
  .strict()
  .meta({
    id: 'CreateBooking',
    example: {
      id: 'dash-4711',
      project: 'demo',
      owner: 'alice',
      purpose: 'CI run for feature X',
      start: '2026-11-21T10:00:00Z',
      end: '2026-11-28T10:00:00Z',
      networks: [{ name: 'public', public: true }, { name: 'private' }],
      hosts: [
        { name: 'sim-01', image: 'ubuntu-22.04', hostname: 'alice-pod-1', interfaces: { eno1: [{ network: 'public', tagged: false }], eno2: [{ network: 'private', tagged: true }] } },
        { flavor: 'sim.small', image: 'rocky-9', interfaces: { eno1: [{ network: 'public', tagged: false }] } },
      ],
      access: { sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop'], vpnUsers: ['alice'] },
    },
  });

export type CreateBookingBody = z.infer<typeof createBookingBody>;

export const bookingIdParams = z.object({ id: z.string().min(1).max(64) });

const states = bookingState.options;

/** `GET /v1/bookings`: every filter is exact; `state` takes a comma-separated list. */
export const listQuery = z
  .object({
    state: z
      .string()
      .regex(new RegExp(`^(${states.join('|')})(,(${states.join('|')}))*$`), `one or more of ${states.join(', ')}, comma-separated`)
      .optional()
      .describe('Only bookings in one of these states, e.g. active or provisioning,active'),
    project: name.optional().describe('Only bookings of this project'),
    owner: name.optional().describe('Only bookings of this owner'),
    host: name.optional().describe('Only bookings holding this host'),
    limit: z.coerce.number().int().min(1).max(100).default(50).describe('At most this many bookings per page'),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,4096}$/, 'the nextCursor of a previous page')
      .optional()
      .describe('The nextCursor of the previous page, with the same filters'),
  })
  .strict();

/** Dashboards name the user they act for; other tokens may not send it. */
export const actingForHeaders = z
  .object({
    'x-on-behalf-of': z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a user name')
      .optional()
      .describe('Dashboard tokens only: the user this request acts for (its projects apply)'),
  })
  .loose();

export const extendBody = z.object({ end: instant }).strict();
export const holdBody = z.object({ action: z.enum(['retry', 'abort']), host: name.optional() }).strict();
export const eventsQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,19}$/, 'an event id')
    // Event ids are PostgreSQL bigints: past 2^63 - 1 the database would refuse the comparison.
    .refine((v) => BigInt(v) <= 9223372036854775807n, 'an event id (at most 9223372036854775807)')
    .optional()
    .describe('Only events after this event id (the id of the last event seen)'),
});

export const bookingAccepted = z
  .object({
    id: z.string(),
    state: bookingState,
    links: z.object({ self: z.string(), events: z.string() }),
  })
  .meta({ id: 'BookingAccepted' });

export const bookingAdmitted = z
  .object({
    id: z.string(),
    state: bookingState,
    /** The hosts held for the booking, in the order they were asked for. */
    hosts: z.array(z.string()),
    /** Each booking network with the VLAN it got. */
    networks: z.array(z.object({ name: z.string(), vlan: z.number().int().nullable() })),
    links: z.object({ self: z.string(), events: z.string() }),
  })
  .meta({
    id: 'BookingAdmitted',
    example: {
      id: 'dash-4711',
      state: 'scheduled',
      hosts: ['sim-01', 'sim-03'],
      networks: [
        { name: 'public', vlan: 1000 },
        { name: 'private', vlan: 1001 },
      ],
      links: { self: '/v1/bookings/dash-4711', events: '/v1/bookings/dash-4711/events' },
    },
  });
