/**
 * A LaaS 2.x dashboard job read as the real dashboard serves it (shared/reference/laas-dashboard-2x.md
 * §5, §7, §13 point 6): `ipmi_create` a string or a boolean, `user` an integer (or a numeric string),
 * `lab_token` anywhere (beside the host key in network payloads), keys in any order. Pure functions.
 */
import { z } from 'zod';

const flag = z.union([z.boolean(), z.enum(['True', 'False', 'true', 'false'])]).transform((v) => v === true || v === 'True' || v === 'true');
const userId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);

const hardwarePayload = z.object({
  id: z.string().min(1),
  image: z.string().min(1).optional(),
  power: z.enum(['on', 'off']).optional(),
  hostname: z.string().optional(),
  ipmi_create: flag.optional(),
  lab_token: z.string().optional(),
});
const vlanEntry = z.object({ vlan_id: z.number().int().min(1).max(4094), tagged: z.boolean() });
const networkPayload = z.record(z.string().min(1), z.record(z.string().min(1), z.array(vlanEntry)));
const accessPayload = z.object({
  access_type: z.string().min(1),
  user: userId,
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
  /** Absent in the oldest teardown form `{id, lab_token, power}`. */
  power?: 'on' | 'off';
  hostname?: string;
  /** `ipmi_create`: the reference lab made a per-booking IPMI account; laas makes none and says so (docs/dashboard-2x.md). */
  ipmiCreate?: boolean;
  /** What this lab last posted as the task's `lab_token` ("null" when nothing). */
  labToken?: string;
}
export interface NetworkTask {
  kind: 'network';
  id: string;
  /** Host labid → MAC → VLANs (every NIC, [] when it carries nothing). */
  hosts: Record<string, Record<string, VlanEntry[]>>;
}
export interface AccessTask {
  kind: 'access';
  id: string;
  accessType: 'vpn' | 'ssh';
  /** The dashboard's `User.id`. */
  user: number;
  revoke: boolean;
  key?: string;
  hosts?: string[];
}
/** OPNFV installer tasks, which this lab does not run. */
export interface SoftwareTask {
  kind: 'software';
  id: string;
}
/** The hourly analytics task: answered with a count on its own route, never with a status. */
export interface ActiveUsersTask {
  kind: 'active-users';
  id: string;
}
/** A kind this lab does not carry out (snapshot, or one it does not know): 300 on that task only. */
export interface UnsupportedTask {
  kind: 'unsupported';
  id: string;
  name: string;
}
/** A task of a known kind that could not be read: reported as an error, naming what is wrong. */
export interface UnreadableTask {
  kind: 'unreadable';
  id: string;
  problem: string;
}
export type JobTask = HardwareTask | NetworkTask | AccessTask | SoftwareTask | ActiveUsersTask | UnsupportedTask | UnreadableTask;

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

/** One job from a listing. A job without an id cannot be answered at all: that throws. */
export function readJob(raw: unknown): DashboardJob {
  const parsed = jobJson.safeParse(raw);
  if (!parsed.success) throw new JobUnreadable(`not a dashboard job: ${issueText(parsed.error)}`);
  const tasks: JobTask[] = [];
  for (const [kind, byId] of Object.entries(parsed.data.payload)) {
    for (const [id, payload] of Object.entries(byId)) tasks.push(readTask(kind, id, payload));
  }
  return { id: parsed.data.id, tasks };
}

function readTask(kind: string, id: string, payload: unknown): JobTask {
  const unreadable = (problem: string): UnreadableTask => ({ kind: 'unreadable', id, problem: `${kind} task ${id}: ${problem}` });
  switch (kind) {
    case 'hardware': {
      const r = hardwarePayload.safeParse(payload);
      if (!r.success) return unreadable(issueText(r.error));
      const { id: host, image, power, hostname, ipmi_create, lab_token } = r.data;
      return {
        kind,
        id,
        host,
        ...(image ? { image } : {}),
        ...(power ? { power } : {}),
        ...(hostname !== undefined ? { hostname } : {}),
        ...(ipmi_create !== undefined ? { ipmiCreate: ipmi_create } : {}),
        ...(lab_token ? { labToken: lab_token } : {}),
      };
    }
    case 'network': {
      const r = networkPayload.safeParse(withoutLabToken(payload));
      return r.success ? { kind, id, hosts: r.data } : unreadable(issueText(r.error));
    }
    case 'access': {
      const r = accessPayload.safeParse(payload);
      if (!r.success) return unreadable(issueText(r.error));
      const { access_type, user, revoke, context } = r.data;
      // The dashboard treats any type containing "vpn" as VPN (teardown, §9).
      const accessType = access_type.includes('vpn') ? 'vpn' : access_type === 'ssh' ? 'ssh' : null;
      if (!accessType) return { kind: 'unsupported', id, name: `access type ${access_type}` };
      return { kind, id, accessType, user, revoke, ...(context?.key ? { key: context.key } : {}), ...(context?.hosts ? { hosts: context.hosts } : {}) };
    }
    case 'software':
      return { kind, id };
    case 'active users task':
      return { kind: 'active-users', id };
    default:
      return { kind: 'unsupported', id, name: kind };
  }
}

/** The dashboard puts a network task's `lab_token` beside the host keys. */
function withoutLabToken(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null) return payload;
  return Object.fromEntries(Object.entries(payload).filter(([k]) => k !== 'lab_token'));
}

/** Teardown (§9): power off; every NIC of every host []; VPN revoke. */
export function isTeardown(task: JobTask): boolean {
  switch (task.kind) {
    case 'hardware':
      return task.power !== 'on';
    case 'network':
      return Object.values(task.hosts).every((macs) => Object.values(macs).every((vlans) => vlans.length === 0));
    case 'access':
      return task.revoke;
    default:
      return false;
  }
}

/** Tasks that set up or tear down a booking (not software, analytics, unsupported or unreadable). */
export function bookingTasks(job: DashboardJob): (HardwareTask | NetworkTask | AccessTask)[] {
  return job.tasks.filter((t): t is HardwareTask | NetworkTask | AccessTask => t.kind === 'hardware' || t.kind === 'network' || t.kind === 'access');
}

export type JobIntent = { kind: 'setup' } | { kind: 'teardown' } | { kind: 'none' } | { kind: 'refused'; problem: string };

/** Setup (a new booking or a re-image of a running one), teardown, or nothing for the booking to do. */
export function intentOf(job: DashboardJob): JobIntent {
  const unreadable = job.tasks.find((t) => t.kind === 'unreadable');
  if (unreadable) return { kind: 'refused', problem: unreadable.problem };
  const sided = bookingTasks(job);
  if (sided.length === 0) return { kind: 'none' };
  const down = sided.filter(isTeardown).length;
  if (down === sided.length) return { kind: 'teardown' };
  if (down === 0) return { kind: 'setup' };
  return { kind: 'refused', problem: `job ${job.id} mixes teardown and setup tasks; the dashboard never sends that` };
}

/** The booking that carries out a job: derived from the job id, so a second poll finds the same booking. */
export function bookingIdOf(jobId: number): string {
  return `dash-${jobId}`;
}

/** The booking network that carries one of the dashboard's VLAN ids (the same id on the switch). */
export function networkOf(vlanId: number): string {
  return `vlan-${vlanId}`;
}

/**
 * A host name the host can take (an RFC 1123 label): lower case, every other character a hyphen,
 * no leading or trailing hyphen, at most 63. The dashboard's default `opnfv_host` becomes `opnfv-host`.
 */
export function validHostname(wanted: string | undefined, fallback: string): string {
  const name = (wanted ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return name || validHostname(fallback, 'host');
}

/**
 * The `lab_token` posted with a hardware task's 200: the dashboard serves it back, so a hardware
 * task at 0 with power on that carries it is a re-image of a host this lab set up (reference §12),
 * not a setup the lab has yet to finish. No secret, at most 50 characters.
 */
export function setUpToken(bookingId: string): string {
  return `laas:${bookingId}`.slice(0, 50);
}
