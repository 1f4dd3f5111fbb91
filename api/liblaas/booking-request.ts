import { z } from 'zod';
import type { LiblaasTemplateRow } from '../../db/tables/liblaas';
import type { DirectoryUser } from '../../drivers/directory/directory';
import { createBookingBody, type CreateBookingBody } from '../schemas/booking';
import { checkAgainstLab } from '../booking-rules';
import type { Lab } from '../../config/lab';
import type { Catalog } from './catalog';
import { fail } from './context';
import { DASHBOARD_NAME } from './templates';

const nullableText = z.string().nullish();

/** §2.1's BookingBlob. */
export const bookingBlob = z.object({
  origin: z.string(),
  template_id: z.string(),
  allowed_users: z.array(z.string()),
  global_cifile: z.string().nullish(),
  metadata: z
    .object({
      booking_id: nullableText,
      owner: nullableText,
      lab: nullableText,
      purpose: nullableText,
      project: nullableText,
      details: nullableText,
      start: nullableText,
      end: nullableText,
      length: z.number().int().min(0).nullish(),
    })
    .passthrough(),
});
export type BookingBlob = z.infer<typeof bookingBlob>;

/** laas network names are lower-case; the dashboard's are case-insensitive. */
const netName = (n: string) => n.toLowerCase();

/**
 * The laas booking request for a dashboard booking: the template's hosts (by flavor), images and
 * networks, the users' keys on every host and their VPN accounts, a lease of `length` days.
 * Refused (plain text 500, nothing created) when the template, a flavor, an image, a hostname or
 * a user does not fit the lab; the lab's own checks (booking-rules) run here too.
 */
export function bookingRequest(blob: BookingBlob, template: LiblaasTemplateRow, users: DirectoryUser[], catalog: Catalog, lab: Lab, now: Date): CreateBookingBody {
  const owner = blob.metadata.owner ?? blob.allowed_users.at(-1);
  if (!owner) throw fail('the booking has no owner (metadata.owner or allowed_users)');
  const known = new Set(users.map((u) => u.uid));
  const unknown = [...new Set([...blob.allowed_users, owner])].filter((u) => !known.has(u));
  if (unknown.length) throw fail(`Failed to find user ${unknown.join(', ')}`);
  const days = blob.metadata.length && blob.metadata.length > 0 ? blob.metadata.length : 1;
  const purpose = [blob.metadata.purpose, blob.metadata.project].filter(Boolean).join(' / ');
  const hosts = template.hosts.map((h) => {
    const flavor = catalog.flavorById(h.flavor);
    if (!flavor) throw fail(`template host ${h.hostname}: no flavor ${h.flavor} in this lab`);
    const image = catalog.imageById(h.image);
    if (!image) throw fail(`template host ${h.hostname}: image ${h.image} is not available for flavor ${flavor}`);
    if (!DASHBOARD_NAME.test(h.hostname)) throw fail(`template host ${JSON.stringify(h.hostname)}: not a host name the hosts can take`);
    const interfaces: CreateBookingBody['hosts'][number]['interfaces'] = {};
    for (const g of h.bondgroups) {
      const nic = g.ifaces[0]?.name;
      if (!nic || !g.connections.length) continue;
      interfaces[nic] = g.connections.map((c) => ({ network: netName(c.connects_to), tagged: c.tagged }));
    }
    return { flavor, image, hostname: h.hostname.toLowerCase(), interfaces };
  });
  const parsed = createBookingBody.safeParse({
    project: blob.origin,
    owner,
    ...(purpose ? { purpose: purpose.slice(0, 500) } : {}),
    end: new Date(now.getTime() + days * 86_400_000).toISOString(),
    networks: template.networks.map((n) => ({ name: netName(n.name), public: n.public })),
    hosts,
    access: { sshKeys: [...new Set(users.flatMap((u) => u.sshKeys))], vpnUsers: [...new Set([...blob.allowed_users, owner])] },
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(`unable to create the aggregate/booking: ${issue.path.join('.')}: ${issue.message}`);
  }
  const problems = checkAgainstLab(parsed.data, lab, now);
  if (problems.length) throw fail(`unable to create the aggregate/booking: ${problems[0]!.field}: ${problems[0]!.message}`);
  return parsed.data;
}

/** Free hosts now per flavor against what the template asks: S's availability check before it creates anything. */
export function checkAvailability(body: CreateBookingBody, catalog: Catalog): void {
  const wanted = new Map<string, number>();
  for (const h of body.hosts) if (h.flavor) wanted.set(h.flavor, (wanted.get(h.flavor) ?? 0) + 1);
  for (const [flavor, n] of wanted) {
    const free = catalog.hosts.filter((h) => h.flavor === flavor && h.state === 'available' && !h.held).length;
    if (free < n) throw fail(`unable to create the aggregate/booking: ${n} hosts of flavor ${flavor} asked for, ${free} free`);
  }
}
