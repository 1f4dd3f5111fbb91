/**
 * A setup job turned into one laas booking request (`POST /v1/bookings`). The dashboard speaks
 * host labids, MACs and its own VLAN ids: the lab description maps MACs to NIC names, and each
 * dashboard VLAN id becomes a booking network that asks the allocator for exactly that VLAN.
 */
import type { Lab } from '../config/lab';
import { bookingIdOf, networkOf, validHostname, type AccessTask, type DashboardJob, type HardwareTask, type NetworkTask } from './connector-job';

export interface BookingRequest {
  id: string;
  project: string;
  owner: string;
  purpose: string;
  end: string;
  networks: { name: string; vlan: number; public?: boolean }[];
  hosts: { name: string; image: string; hostname: string; interfaces: Record<string, { network: string; tagged: boolean }[]> }[];
  access: { sshKeys: string[]; vpnUsers: string[] };
  /** The end is a safety bound: reaching it raises an alert event; only the teardown re-issue releases. */
  leaseEnd: 'alert';
}

export interface RequestOptions {
  project: string;
  /** Owner when no access task names a known user. */
  fallbackOwner: string;
  /** The lease: a safety bound only, the dashboard's teardown re-issue ends the booking. */
  leaseHours: number;
  /** VLAN ids that are the lab's public networks (the dashboard sends no public flag). */
  publicVlans: ReadonlySet<number>;
  now: Date;
}

export interface TaskProblem {
  task: string;
  message: string;
}

export type RequestResult =
  | {
      ok: true;
      request: BookingRequest;
      /** Access tasks left out (their user is unknown): 300 on those tasks only. */
      refused: TaskProblem[];
    }
  | { ok: false; problems: TaskProblem[] };

/**
 * The booking request for a setup job, or the problems, each naming its task. `users` maps the
 * dashboard's user ids to laas user names; null for an id the dashboard does not know.
 */
export function toBookingRequest(job: DashboardJob, lab: Lab, users: ReadonlyMap<number, string | null>, options: RequestOptions): RequestResult {
  const problems: TaskProblem[] = [];
  const hardware = job.tasks.filter((t): t is HardwareTask => t.kind === 'hardware');
  const network = job.tasks.filter((t): t is NetworkTask => t.kind === 'network');
  const access = job.tasks.filter((t): t is AccessTask => t.kind === 'access');
  if (hardware.length === 0) {
    return { ok: false, problems: job.tasks.map((t) => ({ task: t.id, message: `job ${job.id} books no host (no hardware task)` })) };
  }

  const hosts: BookingRequest['hosts'] = [];
  for (const t of hardware) {
    if (hosts.some((h) => h.name === t.host)) problems.push({ task: t.id, message: `host ${t.host} is booked by two hardware tasks` });
    const image = imageOf(lab, t.image);
    if (!image) problems.push({ task: t.id, message: `lab ${lab.name} has no image ${t.image ?? '(none named)'} (its images: ${lab.images.map((i) => dashboardImageId(i.name)).join(', ')})` });
    hosts.push({ name: t.host, image: image ?? '', hostname: validHostname(t.hostname, t.host), interfaces: {} });
  }

  const networks = new Map<string, BookingRequest['networks'][number]>();
  for (const t of network) {
    for (const [hostName, macs] of Object.entries(t.hosts)) {
      const booked = hosts.find((h) => h.name === hostName);
      const labHost = lab.hosts.find((h) => h.name === hostName);
      if (!booked || !labHost) {
        problems.push({ task: t.id, message: booked ? `lab ${lab.name} has no host ${hostName}` : `network task names host ${hostName}, which no hardware task of job ${job.id} books` });
        continue;
      }
      for (const [mac, vlans] of Object.entries(macs)) {
        if (vlans.length === 0) continue;
        const nic = labHost.nics.find((n) => n.mac.toLowerCase() === mac.toLowerCase());
        if (!nic) {
          problems.push({ task: t.id, message: `host ${hostName} has no interface with MAC ${mac}` });
          continue;
        }
        if (vlans.filter((v) => !v.tagged).length > 1) problems.push({ task: t.id, message: `${hostName} ${nic.name} (${mac}) asks for more than one untagged VLAN` });
        booked.interfaces[nic.name] = vlans.map((v) => ({ network: networkOf(v.vlan_id), tagged: v.tagged }));
        for (const v of vlans) {
          networks.set(networkOf(v.vlan_id), { name: networkOf(v.vlan_id), vlan: v.vlan_id, ...(options.publicVlans.has(v.vlan_id) ? { public: true } : {}) });
        }
      }
    }
  }
  const publics = [...networks.values()].filter((n) => n.public);
  if (publics.length > 1) {
    problems.push({ task: network[0]!.id, message: `more than one of lab ${lab.name}'s public VLANs (${publics.map((n) => n.vlan).join(', ')}); a booking has at most one public network` });
  }

  const vpnUsers: string[] = [];
  const sshKeys: string[] = [];
  const refused: TaskProblem[] = [];
  for (const t of access) {
    const user = users.get(t.user);
    if (!user) {
      refused.push({ task: t.id, message: `dashboard user ${t.user} is unknown to the dashboard's users endpoint; no ${t.accessType.toUpperCase()} access was given for it` });
      continue;
    }
    if (t.accessType === 'vpn') {
      if (!vpnUsers.includes(user)) vpnUsers.push(user);
      continue;
    }
    for (const key of (t.key ?? '').split('\n').map((k) => k.trim()).filter(Boolean)) if (!sshKeys.includes(key)) sshKeys.push(key);
  }
  if (problems.length) return { ok: false, problems };

  // The dashboard makes the owner's access tasks first.
  const owner = access.map((t) => users.get(t.user)).find((u): u is string => !!u) ?? options.fallbackOwner;
  return {
    ok: true,
    refused,
    request: {
      id: bookingIdOf(job.id),
      project: options.project,
      owner,
      purpose: `LaaS dashboard job ${job.id}`,
      end: new Date(options.now.getTime() + options.leaseHours * 3_600_000).toISOString(),
      networks: [...networks.values()],
      hosts,
      access: { sshKeys, vpnUsers },
      leaseEnd: 'alert',
    },
  };
}

/**
 * The id under which the lab pushes an image to the dashboard (`POST image/<id>`): the route takes
 * a slug only (`[-a-zA-Z0-9_]+`; `ubuntu-22.04` would get 404), so every other character becomes `_`.
 */
export function dashboardImageId(name: string): string {
  return name.replace(/[^-a-zA-Z0-9_]/g, '_');
}

/**
 * The lab image a hardware task's `image` names: the id the lab pushed it under first (checklist
 * #23), then, for ids a dashboard admin entered by hand, the image's name or its imaging server id.
 */
export function imageOf(lab: Lab, image: string | undefined): string | undefined {
  if (!image) return undefined;
  const pushed = lab.images.filter((i) => dashboardImageId(i.name) === image);
  if (pushed.length === 1) return pushed[0]!.name;
  return lab.images.find((i) => i.name === image)?.name ?? lab.images.find((i) => i.imagingId === image)?.name;
}
