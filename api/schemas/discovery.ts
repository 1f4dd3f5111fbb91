import { z } from 'zod';

// What a dashboard reads to offer what the lab has and what is free. No secrets: no BMC
// addresses or credentials, no switch ports, no MAC addresses.

const instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 instant such as 2026-11-21T10:00:00Z' });
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name of letters, digits, ".", "_", "-"');

export const holding = z
  .object({
    /** Only for a booking of one of the caller's projects. */
    bookingId: z.string().optional(),
    /** The project holding it (a booking's or a HIL project). */
    project: z.string().nullable(),
    start: z.string(),
    /** null: held until released (a HIL project). */
    end: z.string().nullable(),
  })
  .meta({ id: 'Holding', example: { bookingId: 'dash-4711', project: 'demo', start: '2026-11-21T10:00:00.000Z', end: '2026-11-28T10:00:00.000Z' } });

export const labHost = z
  .object({
    name: z.string(),
    flavor: z.string().nullable(),
    /** available, maintenance or retired: only available hosts are booked. */
    state: z.enum(['available', 'maintenance', 'retired']),
    /** The NICs' names in the installed OS, what a booking's `interfaces` names. */
    nics: z.array(z.string()),
    /** Who holds it now or later, earliest first. */
    heldBy: z.array(holding),
  })
  .meta({ id: 'LabHost', example: { name: 'sim-01', flavor: 'sim.small', state: 'available', nics: ['eno1', 'eno2'], heldBy: [] } });

export const hostList = z.object({ hosts: z.array(labHost) });

export const flavor = z
  .object({ name: z.string(), hosts: z.array(z.string()), images: z.array(z.string()) })
  .meta({ id: 'Flavor', example: { name: 'sim.small', hosts: ['sim-01', 'sim-02'], images: ['ubuntu-22.04', 'rocky-9'] } });
export const flavorList = z.object({ flavors: z.array(flavor) });

export const image = z
  .object({
    name: z.string(),
    osFamily: z.enum(['netplan', 'ifupdown', 'rhel', 'suse']),
    /** The flavors it runs on. */
    flavors: z.array(z.string()),
  })
  .meta({ id: 'Image', example: { name: 'ubuntu-22.04', osFamily: 'netplan', flavors: ['sim.small'] } });
export const imageList = z.object({ images: z.array(image) });

export const availabilityQuery = z
  .object({
    from: instant.describe('Start of the window to look at'),
    to: instant.describe('End of the window to look at'),
    flavor: z.string().min(1).max(64).optional().describe('Only hosts of this flavor'),
    host: name.optional().describe('Only this host'),
  })
  .strict()
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: 'must be after from', path: ['to'] })
  .refine((q) => !(q.flavor && q.host), { message: 'give flavor or host, not both', path: ['host'] });

const window = z.object({ start: z.string(), end: z.string() });
export const availability = z
  .object({
    from: z.string(),
    to: z.string(),
    /** Hosts free over the whole window (available, held by nobody). */
    freeHosts: z.array(z.string()),
    /** Per host: the stretches of the window nobody holds. */
    hosts: z.array(z.object({ name: z.string(), flavor: z.string().nullable(), state: z.string(), free: z.array(window) })),
    /** Pool VLANs nobody holds at any moment of the window. */
    vlans: z.object({ pool: z.number().int(), free: z.number().int() }),
  })
  .meta({
    id: 'Availability',
    example: {
      from: '2026-11-21T10:00:00.000Z',
      to: '2026-11-22T10:00:00.000Z',
      freeHosts: ['sim-02'],
      hosts: [
        { name: 'sim-01', flavor: 'sim.small', state: 'available', free: [{ start: '2026-11-21T18:00:00.000Z', end: '2026-11-22T10:00:00.000Z' }] },
        { name: 'sim-02', flavor: 'sim.small', state: 'available', free: [{ start: '2026-11-21T10:00:00.000Z', end: '2026-11-22T10:00:00.000Z' }] },
      ],
      vlans: { pool: 100, free: 97 },
    },
  });

export const labInfo = z
  .object({
    name: z.string(),
    /** The longest lease a booking may have. */
    maxLeaseHours: z.number(),
    /** How long a held step waits for an operator. */
    holdTimeoutMinutes: z.number(),
    failurePolicy: z.enum(['compensate', 'hold']),
    vlanPool: z.object({ from: z.number().int(), to: z.number().int(), size: z.number().int() }),
  })
  .meta({ id: 'Lab', example: { name: 'sim', maxLeaseHours: 720, holdTimeoutMinutes: 240, failurePolicy: 'compensate', vlanPool: { from: 1000, to: 1099, size: 100 } } });
