import type { Lab } from '../config/lab';
import type { CreateBookingBody } from './schemas/booking';
import { ApiError } from './errors';
import type { BookingInput } from '../workflows/types';

interface Problem {
  field: string;
  message: string;
}

/**
 * What the schema cannot tell alone: references between fields and to the lab. All problems are
 * collected so a dashboard can show them together; the first one names the error.
 */
export function checkAgainstLab(body: CreateBookingBody, lab: Lab, now: Date): Problem[] {
  const problems: Problem[] = [];
  const networks = new Set(body.networks.map((n) => n.name));
  if (networks.size !== body.networks.length) problems.push({ field: 'networks', message: 'network names must be unique' });
  const vlans = body.networks.flatMap((n) => (n.vlan !== undefined ? [n.vlan] : []));
  if (new Set(vlans).size !== vlans.length) problems.push({ field: 'networks', message: 'two networks ask for the same VLAN' });
  if (body.networks.filter((n) => n.public).length > 1) problems.push({ field: 'networks', message: 'at most one network may be public' });
  const start = body.start ? new Date(body.start) : now;
  const end = new Date(body.end);
  if (end <= start) problems.push({ field: 'end', message: 'must be after start' });
  if (end <= now) problems.push({ field: 'end', message: 'is in the past' });
  if (end.getTime() - start.getTime() > lab.maxLeaseHours * 3_600_000) {
    problems.push({ field: 'end', message: `lease longer than the lab's maximum of ${lab.maxLeaseHours} hours` });
  }
  problems.push(...vlanProblems(body, lab));
  const named = new Set<string>();
  body.hosts.forEach((h, i) => {
    const at = `hosts.${i}`;
    const candidates = lab.hosts.filter((x) => (h.name ? x.name === h.name : x.flavor === h.flavor));
    if (h.name && candidates.length === 0) problems.push({ field: `${at}.name`, message: `no host ${h.name} in lab ${lab.name}` });
    if (h.flavor && candidates.length === 0) problems.push({ field: `${at}.flavor`, message: `no host of flavor ${h.flavor} in lab ${lab.name}` });
    if (h.name) {
      if (named.has(h.name)) problems.push({ field: `${at}.name`, message: `host ${h.name} is asked for twice` });
      named.add(h.name);
    }
    const image = imageProblem(lab, h.image, candidates);
    if (image) problems.push({ field: `${at}.image`, message: image });
    for (const [nic, nets] of Object.entries(h.interfaces)) {
      if (candidates.length && !candidates.every((c) => c.nics.some((n) => n.name === nic))) {
        problems.push({ field: `${at}.interfaces.${nic}`, message: `no NIC ${nic} on ${h.name ?? `hosts of flavor ${h.flavor}`}` });
      }
      nets.forEach((n, j) => {
        if (!networks.has(n.network)) problems.push({ field: `${at}.interfaces.${nic}.${j}.network`, message: `network ${n.network} is not among the booking's networks` });
      });
    }
  });
  body.headnode?.networks.forEach((n, i) => {
    if (!networks.has(n)) problems.push({ field: `headnode.networks.${i}`, message: `network ${n} is not among the booking's networks` });
  });
  return problems;
}

/** The image must exist and run on the flavor of every host the request may get. */
function imageProblem(lab: Lab, name: string, candidates: Lab['hosts']): string | null {
  const image = lab.images.find((im) => im.name === name);
  if (!image) return `no image ${name} in lab ${lab.name}`;
  const flavors = image.flavors;
  const other = flavors && candidates.find((c) => !flavors.includes(c.flavor));
  return other ? `image ${name} is for flavor ${flavors.join(', ')}, not for ${other.flavor} (host ${other.name})` : null;
}

/** A network's requested VLAN must be in the lab's pool, and asked for once. */
function vlanProblems(body: CreateBookingBody, lab: Lab): Problem[] {
  const seen = new Set<number>();
  return body.networks.flatMap((n, i) => {
    if (n.vlan === undefined) return [];
    const field = `networks.${i}.vlan`;
    const { from, to } = lab.vlanPool;
    if (n.vlan < from || n.vlan > to) return [{ field, message: `VLAN ${n.vlan} is not in the lab's pool ${from}-${to}` }];
    if (seen.has(n.vlan)) return [{ field, message: `VLAN ${n.vlan} is asked for twice` }];
    seen.add(n.vlan);
    return [];
  });
}

export function toWorkflowInput(body: CreateBookingBody, id: string, lab: Lab, now: Date): BookingInput {
  const problems = checkAgainstLab(body, lab, now);
  if (problems.length) {
    const first = problems[0]!;
    throw new ApiError(400, 'InvalidRequest', `${first.field}: ${first.message}`, { issues: problems });
  }
  return {
    id,
    lab: lab.name,
    project: body.project,
    owner: body.owner,
    ...(body.purpose ? { purpose: body.purpose } : {}),
    start: (body.start ? new Date(body.start) : now).toISOString(),
    end: new Date(body.end).toISOString(),
    networks: body.networks.map((n) => ({ name: n.name, public: n.public ?? false, ...(n.vlan !== undefined ? { vlan: n.vlan } : {}) })),
    hosts: body.hosts.map((h) => ({
      ...(h.name ? { name: h.name } : { flavor: h.flavor! }),
      image: h.image,
      ...(h.hostname ? { hostname: h.hostname } : {}),
      interfaces: h.interfaces,
    })),
    access: { sshKeys: body.access.sshKeys, vpnUsers: body.access.vpnUsers },
    ...(body.headnode ? { headnode: body.headnode } : {}),
    failurePolicy: body.failurePolicy ?? lab.failurePolicy,
    holdTimeoutMs: lab.holdTimeoutMinutes * 60_000,
    maxLeaseMs: lab.maxLeaseHours * 3_600_000,
    ...(body.leaseEnd === 'alert' ? { leaseEnd: 'alert' as const } : {}),
  };
}
