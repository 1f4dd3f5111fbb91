/**
 * A LaaS dashboard job, read and turned into one laas booking request. Pure functions: the
 * polling loop (./connector) does the talking. The dashboard speaks host names, MACs and its own
 * VLAN ids; the lab description maps MACs to NIC names, and the dashboard's VLAN ids become the
 * booking's named networks (`vlan-<id>`), for which our allocator picks the real VLANs.
 */
import { z } from 'zod';
import type { Lab } from '../config/lab';

// Objects are not strict: the dashboard adds fields of its own (e.g. `lab_token`) to every delta.
const hardwareDelta = z.object({
  id: z.string().min(1),
  image: z.string().min(1).optional(),
  power: z.enum(['on', 'off']).optional(),
  hostname: z.string().min(1).optional(),
  ipmi_create: z.boolean().optional(),
});
const vlanEntry = z.object({ vlan_id: z.number().int().min(1).max(4094), tagged: z.boolean(), public: z.boolean().optional() });
const networkDelta = z.record(z.string().min(1), z.record(z.string().min(1), z.array(vlanEntry)));
const accessDelta = z.object({
  access_type: z.enum(['vpn', 'ssh']),
  user: z.string().min(1),
  revoke: z.boolean().default(false),
  context: z.object({ key: z.string().optional(), hosts: z.array(z.string()).optional() }).optional(),
});
const jobJson = z.object({
  id: z.number().int().nonnegative(),
  payload: z.record(z.string(), z.record(z.string(), z.unknown())),
});

export type VlanEntry = z.infer<typeof vlanEntry>;

export interface HardwareTask {
  kind: 'hardware';
  id: string;
  host: string;
  image?: string;
  power?: 'on' | 'off';
  hostname?: string;
}
export interface NetworkTask {
  kind: 'network';
  id: string;
  /** Host name → MAC → VLANs. */
  hosts: Record<string, Record<string, VlanEntry[]>>;
}
export interface AccessTask {
  kind: 'access';
  id: string;
  accessType: 'vpn' | 'ssh';
  user: string;
  revoke: boolean;
  key?: string;
  hosts?: string[];
}
/** Installer tasks (OPNFV and the like), which this lab does not carry out. */
export interface SoftwareTask {
  kind: 'software';
  id: string;
}
/** A task the connector could not read: reported as an error, naming what is wrong. */
export interface UnreadableTask {
  kind: 'unreadable';
  id: string;
  problem: string;
}
export type JobTask = HardwareTask | NetworkTask | AccessTask | SoftwareTask | UnreadableTask;

export interface DashboardJob {
  id: number;
  tasks: JobTask[];
}

export class JobUnreadable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobUnreadable';
  }
}

const issueText = (e: z.ZodError) => e.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');

/** One job from the dashboard's list. A job without an id cannot be answered at all: that throws. */
export function readJob(raw: unknown): DashboardJob {
  const parsed = jobJson.safeParse(raw);
  if (!parsed.success) throw new JobUnreadable(`not a dashboard job: ${issueText(parsed.error)}`);
  const tasks: JobTask[] = [];
  for (const [kind, byId] of Object.entries(parsed.data.payload)) {
    for (const [id, delta] of Object.entries(byId)) tasks.push(readTask(kind, id, delta));
  }
  return { id: parsed.data.id, tasks };
}

function readTask(kind: string, id: string, delta: unknown): JobTask {
  const unreadable = (problem: string): UnreadableTask => ({ kind: 'unreadable', id, problem: `${kind} task ${id}: ${problem}` });
  switch (kind) {
    case 'hardware': {
      const r = hardwareDelta.safeParse(delta);
      if (!r.success) return unreadable(issueText(r.error));
      const { id: host, image, power, hostname } = r.data;
      return { kind, id, host, ...(image ? { image } : {}), ...(power ? { power } : {}), ...(hostname ? { hostname } : {}) };
    }
    case 'network': {
      const r = networkDelta.safeParse(stripDashboardKeys(delta));
      return r.success ? { kind, id, hosts: r.data } : unreadable(issueText(r.error));
    }
    case 'access': {
      const r = accessDelta.safeParse(delta);
      if (!r.success) return unreadable(issueText(r.error));
      const { access_type, user, revoke, context } = r.data;
      return { kind, id, accessType: access_type, user, revoke, ...(context?.key ? { key: context.key } : {}), ...(context?.hosts ? { hosts: context.hosts } : {}) };
    }
    case 'software':
      return { kind, id };
    default:
      return unreadable(`unknown task kind ${kind}`);
  }
}

/** The dashboard puts its per-task `lab_token` beside the host keys of a network delta. */
function stripDashboardKeys(delta: unknown): unknown {
  if (typeof delta !== 'object' || delta === null) return delta;
  return Object.fromEntries(Object.entries(delta).filter(([k]) => k !== 'lab_token'));
}

/** What a task asks for once the booking ended: power off, no VLANs left, access revoked. */
export function isTeardown(task: JobTask): boolean {
  switch (task.kind) {
    case 'hardware':
      return task.power === 'off';
    case 'network':
      return Object.values(task.hosts).every((macs) => Object.values(macs).every((vlans) => vlans.length === 0));
    case 'access':
      return task.revoke;
    default:
      return false;
  }
}

export type JobIntent = { kind: 'provision' } | { kind: 'teardown' } | { kind: 'refused'; problem: string };

/**
 * A job either sets a booking up or tears it down. Installer tasks take no side. A job that
 * does both at once (changing a running booking in place) is not something a booking can do.
 */
export function intentOf(job: DashboardJob): JobIntent {
  const unreadable = job.tasks.find((t) => t.kind === 'unreadable');
  if (unreadable) return { kind: 'refused', problem: unreadable.problem };
  const sided = job.tasks.filter((t) => t.kind !== 'software');
  if (sided.length === 0) return { kind: 'refused', problem: `job ${job.id} has no hardware, network or access task` };
  const down = sided.filter(isTeardown).length;
  if (down === sided.length) return { kind: 'teardown' };
  if (down === 0) return { kind: 'provision' };
  return { kind: 'refused', problem: `job ${job.id} mixes teardown and setup tasks; changing a booking in place is not supported` };
}

/** The booking that carries out a job: derived from the job id, so a second poll finds the same booking. */
export function bookingIdOf(jobId: number): string {
  return `dash-${jobId}`;
}

/** The booking network that stands for one of the dashboard's VLAN ids. */
export function networkOf(vlanId: number): string {
  return `vlan-${vlanId}`;
}

export interface BookingRequest {
  id: string;
  project: string;
  owner: string;
  purpose: string;
  end: string;
  networks: { name: string; public?: boolean }[];
  hosts: { name: string; image: string; hostname?: string; interfaces: Record<string, { network: string; tagged: boolean }[]> }[];
  access: { sshKeys: string[]; vpnUsers: string[] };
}

export interface RequestOptions {
  /** The laas project the dashboard's bookings belong to. */
  project: string;
  /** Owner when no access task names a user that fits the API's name grammar. */
  fallbackOwner: string;
  /** The dashboard tells the end by handing out the teardown; the booking's own end is a backstop. */
  leaseHours: number;
  now: Date;
}

export interface TaskProblem {
  task: string;
  message: string;
}

export type RequestResult = { ok: true; request: BookingRequest } | { ok: false; problems: TaskProblem[] };

const ownerName = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The booking request for a setup job, or the problems, each naming its task. */
export function toBookingRequest(job: DashboardJob, lab: Lab, options: RequestOptions): RequestResult {
  const problems: TaskProblem[] = [];
  const hardware = job.tasks.filter((t): t is HardwareTask => t.kind === 'hardware');
  const network = job.tasks.filter((t): t is NetworkTask => t.kind === 'network');
  const access = job.tasks.filter((t): t is AccessTask => t.kind === 'access');
  if (hardware.length === 0) {
    return { ok: false, problems: job.tasks.map((t) => ({ task: t.id, message: `job ${job.id} books no host (no hardware task)` })) };
  }

  const hosts: BookingRequest['hosts'] = [];
  const taskOfHost = new Map<string, string>();
  for (const t of hardware) {
    if (taskOfHost.has(t.host)) problems.push({ task: t.id, message: `host ${t.host} is booked by two hardware tasks` });
    taskOfHost.set(t.host, t.id);
    if (!t.image) problems.push({ task: t.id, message: `hardware task for ${t.host} names no image` });
    hosts.push({ name: t.host, image: imageOf(lab, t.image ?? ''), ...(t.hostname ? { hostname: t.hostname } : {}), interfaces: {} });
  }

  const networks = new Map<string, { name: string; public?: boolean }>();
  for (const t of network) {
    for (const [hostName, macs] of Object.entries(t.hosts)) {
      const booked = hosts.find((h) => h.name === hostName);
      const labHost = lab.hosts.find((h) => h.name === hostName);
      if (!booked) {
        problems.push({ task: t.id, message: `network task names host ${hostName}, which no hardware task of job ${job.id} books` });
        continue;
      }
      if (!labHost) {
        problems.push({ task: t.id, message: `lab ${lab.name} has no host ${hostName}` });
        continue;
      }
      for (const [mac, vlans] of Object.entries(macs)) {
        const nic = labHost.nics.find((n) => n.mac.toLowerCase() === mac.toLowerCase());
        if (!nic) {
          problems.push({ task: t.id, message: `host ${hostName} has no interface with MAC ${mac}` });
          continue;
        }
        if (vlans.filter((v) => !v.tagged).length > 1) {
          problems.push({ task: t.id, message: `${hostName} ${nic.name} (${mac}) asks for more than one untagged VLAN` });
        }
        if (vlans.length === 0) continue;
        booked.interfaces[nic.name] = vlans.map((v) => ({ network: networkOf(v.vlan_id), tagged: v.tagged }));
        for (const v of vlans) {
          const n = networks.get(networkOf(v.vlan_id)) ?? { name: networkOf(v.vlan_id) };
          if (v.public) n.public = true;
          networks.set(n.name, n);
        }
      }
    }
  }
  const publics = [...networks.values()].filter((n) => n.public);
  if (publics.length > 1) {
    problems.push({ task: network[0]!.id, message: `more than one public VLAN (${publics.map((n) => n.name).join(', ')}); a booking has at most one` });
  }

  const vpnUsers: string[] = [];
  const sshKeys: string[] = [];
  for (const t of access) {
    if (t.accessType === 'vpn') {
      if (!vpnUsers.includes(t.user)) vpnUsers.push(t.user);
    } else if (!t.key) {
      problems.push({ task: t.id, message: `ssh access for ${t.user} carries no public key (context.key)` });
    } else if (!sshKeys.includes(t.key.trim())) {
      sshKeys.push(t.key.trim());
    }
  }
  if (problems.length) return { ok: false, problems };

  const owner = access.map((t) => t.user).find((u) => ownerName.test(u)) ?? options.fallbackOwner;
  return {
    ok: true,
    request: {
      id: bookingIdOf(job.id),
      project: options.project,
      owner,
      purpose: `LaaS dashboard job ${job.id}`,
      end: new Date(options.now.getTime() + options.leaseHours * 3_600_000).toISOString(),
      networks: [...networks.values()],
      hosts,
      access: { sshKeys, vpnUsers },
    },
  };
}

/** The dashboard names an image by the lab's name for it, or by the imaging server's id. */
function imageOf(lab: Lab, image: string): string {
  return lab.images.find((i) => i.name === image)?.name ?? lab.images.find((i) => i.imagingId === image)?.name ?? image;
}
