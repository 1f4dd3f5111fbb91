/**
 * What the dashboard is told about each task of a job, from the state of the booking that
 * carries it out (`GET /v1/bookings/:id`). Pure functions: status codes and the message the
 * user reads (host, hostname, address, VLANs, VPN account, where the credentials are).
 */
import { z } from 'zod';
import type { Lab } from '../config/lab';
import { networkOf, type AccessTask, type DashboardJob, type HardwareTask, type JobTask, type NetworkTask } from './connector-job';

/** The task status codes of the dashboard contract. */
export const STATUS = { NEW: 0, CURRENT: 100, DONE: 200, ERROR: 300 } as const;
export type ReportStatus = (typeof STATUS)[keyof typeof STATUS];

export interface TaskReport {
  task: string;
  status: ReportStatus;
  message: string;
}

const failure = z.object({ type: z.string(), message: z.string() });
const step = z.object({ step: z.string(), status: z.string(), error: failure.optional() });

/** The parts of the API's booking view the connector reads; anything else is ignored. */
export const bookingView = z.object({
  id: z.string(),
  state: z.string(),
  networks: z.array(z.object({ name: z.string(), vlan: z.number().nullable() })).default([]),
  hosts: z.array(z.object({ name: z.string(), hostname: z.string(), address: z.string().optional(), steps: z.array(step).default([]) })).default([]),
  bookingSteps: z.array(step).default([]),
  cleanup: z.object({ leftovers: z.array(z.object({ host: z.string().nullable(), step: z.string(), error: failure })) }).optional(),
  error: failure.optional(),
});
export type BookingView = z.infer<typeof bookingView>;

/** States in which the booking is still on its way; the tasks stay CURRENT. */
const SETTLING = new Set(['provisioning', 'held']);
const ENDING = new Set(['releasing']);

/** The reports sent as work on a job starts: 100 for each task, except what this lab does not do. */
export function startedReports(job: DashboardJob, teardown: boolean, bookingId: string, labName: string): TaskReport[] {
  return job.tasks.map((t) => {
    if (t.kind === 'software') {
      return teardown
        ? { task: t.id, status: STATUS.DONE, message: 'nothing to undo: no installer ran' }
        : { task: t.id, status: STATUS.ERROR, message: `lab ${labName} does not run installers; the hosts are set up without them` };
    }
    return { task: t.id, status: STATUS.CURRENT, message: `${teardown ? 'releasing' : 'setting up'} ${subject(t)} (booking ${bookingId})` };
  });
}

/** 300 for every task, with the task's own problem where it has one. */
export function refusedReports(job: DashboardJob, problems: { task: string; message: string }[], summary: string): TaskReport[] {
  return job.tasks.map((t) => ({ task: t.id, status: STATUS.ERROR, message: problems.find((p) => p.task === t.id)?.message ?? summary }));
}

/** Reports for a setup job's tasks once its booking settles; null while it is still being set up. */
export function provisionReports(job: DashboardJob, booking: BookingView, lab: Lab): TaskReport[] | null {
  if (SETTLING.has(booking.state)) return null;
  const tasks = job.tasks.filter((t) => t.kind !== 'software');
  if (booking.state === 'active') return tasks.map((t) => ({ task: t.id, status: STATUS.DONE, message: readyMessage(t, booking, lab) }));
  return tasks.map((t) => ({ task: t.id, status: STATUS.ERROR, message: failedMessage(t, booking) }));
}

/** Reports for a teardown job's tasks once the release is over; null while it is still going on. */
export function teardownReports(job: DashboardJob, booking: BookingView | null, lab: Lab): TaskReport[] | null {
  const tasks = job.tasks.filter((t) => t.kind !== 'software');
  if (!booking) return tasks.map((t) => ({ task: t.id, status: STATUS.DONE, message: `nothing to tear down: job ${job.id} has no booking in lab ${lab.name}` }));
  if (SETTLING.has(booking.state) || ENDING.has(booking.state) || booking.state === 'active') return null;
  if (booking.state === 'needs_cleanup') return tasks.map((t) => ({ task: t.id, status: STATUS.ERROR, message: leftoverMessage(t, booking) }));
  if (booking.state === 'failed') {
    return tasks.map((t) => ({ task: t.id, status: STATUS.DONE, message: `booking ${booking.id} had failed; everything it set up was already undone` }));
  }
  return tasks.map((t) => ({ task: t.id, status: STATUS.DONE, message: releasedMessage(t, booking, lab) }));
}

function subject(t: JobTask): string {
  switch (t.kind) {
    case 'hardware':
      return `host ${t.host}`;
    case 'network':
      return `the VLANs of ${Object.keys(t.hosts).join(', ')}`;
    case 'access':
      return t.accessType === 'vpn' ? `VPN account ${t.user}` : `SSH access for ${t.user}`;
    default:
      return `task ${t.id}`;
  }
}

function readyMessage(t: JobTask, booking: BookingView, lab: Lab): string {
  switch (t.kind) {
    case 'hardware':
      return hostReady(t, booking);
    case 'network':
      return vlansReady(t, booking, lab);
    case 'access':
      return accessReady(t, booking, lab);
    default:
      return `booking ${booking.id} is active`;
  }
}

function hostReady(t: HardwareTask, booking: BookingView): string {
  const h = booking.hosts.find((x) => x.name === t.host);
  if (!h) return `booking ${booking.id} is active, but it holds no host ${t.host}`;
  const parts = [`hostname ${h.hostname}`, ...(h.address ? [`address ${h.address}`] : []), ...(t.image ? [`image ${t.image}`] : [])];
  return `${h.name} is ready: ${parts.join(', ')} (booking ${booking.id})`;
}

/** The user must know the real VLAN ids: tagged interfaces are configured with them. */
function vlansReady(t: NetworkTask, booking: BookingView, lab: Lab): string {
  const vlanOf = new Map(booking.networks.map((n) => [n.name, n.vlan]));
  const lines = Object.entries(t.hosts).map(([hostName, macs]) => {
    const labHost = lab.hosts.find((h) => h.name === hostName);
    const nics = Object.entries(macs)
      .filter(([, vlans]) => vlans.length > 0)
      .map(([mac, vlans]) => {
        const nic = labHost?.nics.find((n) => n.mac.toLowerCase() === mac.toLowerCase())?.name ?? mac;
        const each = vlans.map((v) => `${v.tagged ? 'tagged' : 'untagged'} VLAN ${vlanOf.get(networkOf(v.vlan_id)) ?? '?'} (dashboard VLAN ${v.vlan_id})`);
        return `${nic} (${mac}) ${each.join(', ')}`;
      });
    return `${hostName}: ${nics.length ? nics.join('; ') : 'no VLANs'}`;
  });
  return lines.join(' | ');
}

function accessReady(t: AccessTask, booking: BookingView, lab: Lab): string {
  if (t.accessType === 'vpn') {
    // The generated password is a credential: it never travels through the dashboard's messages or logs.
    return `VPN account ${t.user} is ready on lab ${lab.name}'s VPN; the lab generates its password and hands it out once with booking ${booking.id}, never on this dashboard`;
  }
  const where = booking.hosts.map((h) => `${h.name} (${h.address ?? h.hostname})`).join(', ');
  return `SSH key of ${t.user} installed on ${where}`;
}

function failedMessage(t: JobTask, booking: BookingView): string {
  const own = ownFailure(t, booking);
  const cause = own ?? (booking.error ? `booking ${booking.id} failed: ${booking.error.message}` : `booking ${booking.id} was released before it became ready`);
  if (booking.state === 'needs_cleanup') return `${cause}; some of it could not be undone and is left to the lab's operators`;
  if (booking.state === 'failed') return `${cause}; everything set up for it was undone`;
  return cause;
}

/** The step of this task's own host (or the VPN) that failed, if one did. */
function ownFailure(t: JobTask, booking: BookingView): string | null {
  const stepFailed = (hostName: string, steps: string[]) => {
    const s = booking.hosts.find((h) => h.name === hostName)?.steps.find((x) => steps.includes(x.step) && x.status === 'failed' && x.error);
    return s ? `${hostName} failed at ${s.step}: ${s.error!.message}` : null;
  };
  switch (t.kind) {
    case 'hardware':
      return stepFailed(t.host, ['power', 'imaging']) ?? stepFailed(t.host, ['switch', 'network', 'access']);
    case 'network':
      return Object.keys(t.hosts).map((h) => stepFailed(h, ['switch', 'network'])).find((m) => m !== null) ?? null;
    case 'access': {
      if (t.accessType === 'ssh') return booking.hosts.map((h) => stepFailed(h.name, ['access'])).find((m) => m !== null) ?? null;
      const vpn = booking.bookingSteps.find((s) => s.step === 'vpn' && s.status === 'failed' && s.error);
      return vpn ? `VPN account ${t.user} could not be created: ${vpn.error!.message}` : null;
    }
    default:
      return null;
  }
}

function releasedMessage(t: JobTask, booking: BookingView, lab: Lab): string {
  switch (t.kind) {
    case 'hardware':
      return `${t.host} is powered off and back in lab ${lab.name}'s pool (booking ${booking.id} released)`;
    case 'network':
      return Object.entries(t.hosts)
        .map(([hostName, macs]) => {
          const labHost = lab.hosts.find((h) => h.name === hostName);
          const nics = Object.keys(macs).map((mac) => labHost?.nics.find((n) => n.mac.toLowerCase() === mac.toLowerCase())?.name ?? mac);
          return `${hostName}: VLANs removed from ${nics.join(', ')}`;
        })
        .join(' | ');
    case 'access':
      return t.accessType === 'vpn' ? `VPN account ${t.user} removed` : `SSH key of ${t.user} removed with booking ${booking.id}`;
    default:
      return `booking ${booking.id} released`;
  }
}

function leftoverMessage(t: JobTask, booking: BookingView): string {
  const all = booking.cleanup?.leftovers ?? [];
  const mine = t.kind === 'hardware' ? all.filter((l) => l.host === t.host) : [];
  const listed = (mine.length ? mine : all).map((l) => `${l.host ? `${l.host} ` : ''}${l.step}: ${l.error.message}`);
  return `release of booking ${booking.id} left work for the lab's operators: ${listed.join('; ') || 'see the booking'}`;
}
