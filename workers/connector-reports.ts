/**
 * What the dashboard is told about each task, from the booking that carries it out
 * (`GET /v1/bookings/:id`). The messages are what the reference lab posted (reference §13): the
 * host's addresses and host name on hardware, the VLANs on network, `ssh` lines on SSH access, the
 * VPN user name and password on VPN access (the only messages the dashboard masks from others).
 */
import { z } from 'zod';
import type { Lab } from '../config/lab';
import { setUpToken, validHostname, type AccessTask, type HardwareTask, type JobTask, type NetworkTask } from './connector-job';

/** The task statuses of the contract. */
export const STATUS = { NEW: 0, CURRENT: 100, DONE: 200, ERROR: 300 } as const;
export type ReportStatus = (typeof STATUS)[keyof typeof STATUS];

export interface TaskReport {
  task: string;
  status: ReportStatus;
  message: string;
  /** Posted as the task's `lab_token` (hardware set up: the re-image marker). */
  labToken?: string;
}

const failure = z.object({ type: z.string(), message: z.string() });
const step = z.object({ step: z.string(), status: z.string(), error: failure.optional() });

/** The parts of the API's booking view the connector reads; anything else is ignored. */
export const bookingView = z.object({
  id: z.string(),
  state: z.string(),
  end: z.string().optional(),
  networks: z.array(z.object({ name: z.string(), vlan: z.number().nullable() })).default([]),
  hosts: z
    .array(
      z.object({
        name: z.string(),
        hostname: z.string(),
        address: z.string().optional(),
        addresses: z.array(z.string()).optional(),
        loginUser: z.string().optional(),
        steps: z.array(step).default([]),
      }),
    )
    .default([]),
  bookingSteps: z.array(step).default([]),
  access: z.object({ vpnAccounts: z.array(z.string()), vpnPasswords: z.record(z.string(), z.string()).optional() }).optional(),
  cleanup: z.object({ leftovers: z.array(z.object({ host: z.string().nullable(), step: z.string(), error: failure })) }).optional(),
  error: failure.optional(),
});
export type BookingView = z.infer<typeof bookingView>;

/** What the messages need beyond the booking: who the dashboard's users are, and their VPN passwords. */
export interface MessageContext {
  lab: Lab;
  /** Dashboard user id → laas user name. */
  users: ReadonlyMap<number, string | null>;
  /** laas user name → the VPN password generated for this booking, while not yet handed out. */
  passwords: Readonly<Record<string, string>>;
  /** The host login user when the booking view does not name one. */
  loginUser: string;
}

/** 100 for each booking task; the tasks this lab does not carry out get their answer at once. */
export function startedReports(tasks: JobTask[], teardown: boolean, bookingId: string, labName: string): TaskReport[] {
  return tasks.flatMap((t): TaskReport[] => {
    switch (t.kind) {
      case 'software':
        return teardown
          ? [{ task: t.id, status: STATUS.DONE, message: 'nothing to undo: no installer ran' }]
          : [{ task: t.id, status: STATUS.ERROR, message: `lab ${labName} does not run OPNFV installers; the hosts are set up without one` }];
      case 'unsupported':
        return [{ task: t.id, status: STATUS.ERROR, message: unsupportedMessage(t.name, labName) }];
      case 'hardware':
      case 'network':
      case 'access':
        return [{ task: t.id, status: STATUS.CURRENT, message: `${teardown ? 'releasing' : 'setting up'} ${subject(t)} (booking ${bookingId})` }];
      default:
        return [];
    }
  });
}

function unsupportedMessage(kind: string, labName: string): string {
  if (kind === 'snapshot') return `lab ${labName} does not take snapshots of hosts; nothing was done for this task`;
  return `lab ${labName} does not know the task kind "${kind}"; nothing was done for it`;
}

/** 300 for every task given, with the task's own problem where it has one. */
export function refusedReports(tasks: JobTask[], problems: { task: string; message: string }[], summary: string): TaskReport[] {
  return tasks.filter((t) => t.kind !== 'active-users').map((t) => ({ task: t.id, status: STATUS.ERROR, message: problems.find((p) => p.task === t.id)?.message ?? summary }));
}

const SETTLING = new Set(['provisioning', 'held', 'scheduled']);

/** Reports once the booking is set up (or failed); null while it is still on its way. */
export function provisionReports(tasks: JobTask[], booking: BookingView, ctx: MessageContext): TaskReport[] | null {
  if (SETTLING.has(booking.state)) return null;
  const own = tasks.filter((t): t is HardwareTask | NetworkTask | AccessTask => t.kind === 'hardware' || t.kind === 'network' || t.kind === 'access');
  if (booking.state === 'active') {
    return own.map((t) => ({ task: t.id, status: STATUS.DONE, message: readyMessage(t, booking, ctx), ...(t.kind === 'hardware' ? { labToken: setUpToken(booking.id) } : {}) }));
  }
  return own.map((t) => ({ task: t.id, status: STATUS.ERROR, message: failedMessage(t, booking) }));
}

/** Reports once the release is over; null while it is still going on. */
export function teardownReports(tasks: JobTask[], booking: BookingView | null, lab: Lab): TaskReport[] | null {
  const own = tasks.filter((t): t is HardwareTask | NetworkTask | AccessTask => t.kind === 'hardware' || t.kind === 'network' || t.kind === 'access');
  if (!booking) return own.map((t) => ({ task: t.id, status: STATUS.DONE, message: `nothing to tear down: lab ${lab.name} holds no booking for this job` }));
  if (SETTLING.has(booking.state) || booking.state === 'releasing' || booking.state === 'active') return null;
  if (booking.state === 'needs_cleanup') {
    const listed = (booking.cleanup?.leftovers ?? []).map((l) => `${l.host ? `${l.host} ` : ''}${l.step}: ${l.error.message}`);
    return own.map((t) => ({ task: t.id, status: STATUS.ERROR, message: `release of booking ${booking.id} left work for the lab's operators: ${listed.join('; ') || 'see the booking'}` }));
  }
  return own.map((t) => ({ task: t.id, status: STATUS.DONE, message: releasedMessage(t, booking, lab) }));
}

function subject(t: HardwareTask | NetworkTask | AccessTask): string {
  if (t.kind === 'hardware') return `host ${t.host}`;
  if (t.kind === 'network') return `the VLANs of ${Object.keys(t.hosts).join(', ')}`;
  return `${t.accessType === 'vpn' ? 'VPN' : 'SSH'} access of dashboard user ${t.user}`;
}

function addressesOf(hostName: string, booking: BookingView, lab: Lab): string[] {
  const h = booking.hosts.find((x) => x.name === hostName);
  const listed = h?.addresses?.length ? h.addresses : h?.address ? [h.address] : [];
  return listed.length ? listed : [lab.hosts.find((x) => x.name === hostName)?.ssh.address ?? hostName];
}

function readyMessage(t: HardwareTask | NetworkTask | AccessTask, booking: BookingView, ctx: MessageContext): string {
  if (t.kind === 'hardware') return hostReady(t, booking, ctx.lab);
  if (t.kind === 'network') return vlansReady(t, ctx.lab);
  const user = ctx.users.get(t.user) ?? `dashboard user ${t.user}`;
  if (t.accessType === 'ssh') {
    const lines = booking.hosts.map((h) => `ssh ${h.loginUser ?? ctx.loginUser}@${addressesOf(h.name, booking, ctx.lab)[0]}`);
    return `Your SSH key is installed. Log in with:\n${lines.join('\n')}`;
  }
  const password = ctx.passwords[user];
  const secret = password
    ? `VPN password: ${password}\nThis password is shown once; keep it.`
    : `The VPN password was handed out already; lab ${ctx.lab.name}'s operators can set a new one.`;
  return `VPN access to lab ${ctx.lab.name} is ready.\nVPN username: ${user}\n${secret}`;
}

function hostReady(t: HardwareTask, booking: BookingView, lab: Lab): string {
  const h = booking.hosts.find((x) => x.name === t.host);
  if (!h) return `booking ${booking.id} is active, but it holds no host ${t.host}`;
  const lines = [`Your host may be reached at any of the following ip addresses: ${addressesOf(t.host, booking, lab).join(', ')}`, `hostname: ${h.hostname}`];
  const asked = t.hostname ?? '';
  if (asked !== h.hostname && validHostname(asked, t.host) === h.hostname) {
    lines.push(`The dashboard asked for the hostname "${asked}", which is not a valid host name; the host is named "${h.hostname}".`);
  }
  if (t.image) lines.push(`image: ${t.image}`);
  if (t.ipmiCreate) lines.push(`No IPMI account is made for bookings: lab ${lab.name} keeps its BMCs to itself. For a power cycle or the serial console, ask its operators.`);
  return lines.join('\n');
}

/** The VLAN ids on the switch are the dashboard's own. */
function vlansReady(t: NetworkTask, lab: Lab): string {
  return Object.entries(t.hosts)
    .map(([hostName, macs]) => {
      const labHost = lab.hosts.find((h) => h.name === hostName);
      const nics = Object.entries(macs)
        .filter(([, vlans]) => vlans.length > 0)
        .map(([mac, vlans]) => {
          const nic = labHost?.nics.find((n) => n.mac.toLowerCase() === mac.toLowerCase())?.name ?? mac;
          return `${nic} (${mac}) ${vlans.map((v) => `${v.tagged ? 'tagged' : 'untagged'} VLAN ${v.vlan_id}`).join(', ')}`;
        });
      return `${hostName}: ${nics.length ? nics.join('; ') : 'no VLANs'}`;
    })
    .join('\n');
}

function failedMessage(t: HardwareTask | NetworkTask | AccessTask, booking: BookingView): string {
  const stepFailed = (hostName: string) => {
    const s = booking.hosts.find((h) => h.name === hostName)?.steps.find((x) => x.status === 'failed' && x.error);
    return s ? `${hostName} failed at ${s.step}: ${s.error!.message}` : null;
  };
  const hosts = t.kind === 'hardware' ? [t.host] : t.kind === 'network' ? Object.keys(t.hosts) : booking.hosts.map((h) => h.name);
  const own = hosts.map(stepFailed).find((m) => m !== null);
  const cause = own ?? (booking.error ? `booking ${booking.id} failed: ${booking.error.message}` : `booking ${booking.id} was released before it became ready`);
  if (booking.state === 'needs_cleanup') return `${cause}; some of it could not be undone and is left to the lab's operators`;
  return booking.state === 'failed' ? `${cause}; everything set up for it was undone` : cause;
}

function releasedMessage(t: HardwareTask | NetworkTask | AccessTask, booking: BookingView, lab: Lab): string {
  if (t.kind === 'hardware') return `${t.host} is wiped of the booking's keys, powered off and back in lab ${lab.name}'s pool (booking ${booking.id} released)`;
  if (t.kind === 'network') return Object.keys(t.hosts).map((h) => `${h}: the booking's VLANs are removed from its ports`).join('\n');
  return t.accessType === 'vpn' ? 'VPN access removed' : `SSH keys removed with booking ${booking.id}`;
}
