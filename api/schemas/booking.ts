import { z } from 'zod';
import { bookingState } from './booking-view';

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_", "-", starting with a letter or digit');
const instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 instant such as 2026-11-21T10:00:00Z' });

export const interfaceNetwork = z.object({ network: name, tagged: z.boolean().default(false) }).strict();

export const hostRequest = z
  .object({
    name: name.optional(),
    flavor: z.string().min(1).max(64).optional(),
    image: z.string().min(1).max(128),
    hostname: z
      .string()
      .regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/, 'an RFC 1123 host name label (letters, digits, inner hyphens, at most 63)')
      .optional(),
    interfaces: z.record(z.string().regex(/^[a-zA-Z0-9._-]{1,15}$/, 'an interface name such as eno1'), z.array(interfaceNetwork).min(1)),
  })
  .strict()
  .refine((h) => (h.name === undefined) !== (h.flavor === undefined), { message: 'give exactly one of name and flavor', path: ['name'] })
  .superRefine((h, ctx) => {
    for (const [nic, nets] of Object.entries(h.interfaces)) {
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
      .array(z.object({ name, public: z.boolean().optional(), vlan: z.number().int().min(2).max(4094).optional().describe("This VLAN id from the lab's pool (e.g. one a dashboard allocated); refused when another booking holds it") }).strict())
      .max(16)
      .default([]),
    hosts: z.array(hostRequest).min(1).max(64),
    access: z
      .object({
        sshKeys: z.array(z.string().min(1).max(16_384)).max(32).default([]),
        vpnUsers: z.array(z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'a POSIX user name')).max(32).default([]),
      })
      .strict()
      .default({ sshKeys: [], vpnUsers: [] }),
    headnode: z.object({ image: z.string().min(1).max(128), networks: z.array(name).min(1) }).strict().optional(),
    /** Overrides the lab's failure policy for this booking. */
    failurePolicy: z.enum(['compensate', 'hold']).optional(),
  })
  .strict();

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
    .regex(/^\d+$/, 'an event id')
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
