import type { BookingViewRow } from './tables/booking-views';
import type { BookingHostStep } from './tables/booking-host-steps';
import type { BookingViewHost } from './tables/booking-view-hosts';
import { BOOKING_STEPS, HOST_STEPS, type BookingSnapshot, type HostStep, type StepName, type StepRecord } from '../workflows/types';

type Step = StepRecord;

export interface HostViewJson {
  name: string;
  hostname: string;
  address?: string;
  addresses?: string[];
  image?: string;
  loginUser?: string;
  ssh?: string;
  held?: { step: HostStep; until: string };
  steps: Step[];
}

/** The JSON of `GET /v1/bookings/:id` (api/schemas/booking-view.ts), as the read model builds it. */
export interface BookingViewJson {
  id: string;
  lab: string;
  project: string;
  owner: string;
  state: BookingSnapshot['state'];
  start: string;
  end: string;
  networks: { name: string; vlan: number | null }[];
  hosts: HostViewJson[];
  bookingSteps: Step[];
  headnode?: { name: string; console?: { type: string; host: string; port: number } };
  access?: { vpnAccounts: string[]; vpnPasswords?: Record<string, string> };
  cleanup?: { leftovers: { host: string | null; step: string; error: { type: string; message: string } }[] };
  error?: { type: string; message: string };
}

/** A step row as the API shows it: progress only while imaging runs, the reboot's wait only while its step runs. */
function stepOf(row: BookingHostStep): Step {
  return {
    step: row.step as StepName,
    status: row.status as Step['status'],
    ...(row.started_at ? { startedAt: row.started_at } : {}),
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    ...(row.attempt !== null ? { attempt: row.attempt } : {}),
    ...(row.progress !== null && row.step === 'imaging' && row.status === 'running' ? { progress: row.progress } : {}),
    ...(row.reboot_wait_ms !== null && row.status === 'running' ? { rebootWaitMs: row.reboot_wait_ms } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}

/** The login command a user types; the port only when it is not 22. */
export function sshCommand(user: string, address: string, port: number): string {
  return `ssh ${port === 22 ? '' : `-p ${port} `}${user}@${address}`;
}

function accessOf(a: BookingViewHost | undefined): Partial<HostViewJson> {
  if (!a) return {};
  return { address: a.address, addresses: a.addresses, loginUser: a.login_user, ssh: sshCommand(a.login_user, a.address, a.port) };
}

export function presentView(row: BookingViewRow, steps: BookingHostStep[], access: BookingViewHost[]): BookingViewJson {
  const byKey = new Map(steps.map((s) => [`${s.host}\0${s.step}`, s]));
  const step = (host: string, name: StepName, fallback: Step): Step => {
    const found = byKey.get(`${host}\0${name}`);
    return found ? stepOf(found) : fallback;
  };
  const pending = (name: StepName): Step => ({ step: name, status: 'pending' });
  const ownSteps = new Map(row.booking_steps.map((s) => [s.step, s]));
  return {
    id: row.id,
    lab: row.lab,
    project: row.project,
    owner: row.owner,
    state: row.state as BookingSnapshot['state'],
    start: row.lease_start,
    end: row.lease_end,
    networks: row.networks,
    hosts: row.hosts.map((h) => ({
      name: h.name,
      hostname: h.hostname,
      ...accessOf(access.find((a) => a.host === h.name)),
      ...(h.image ? { image: h.image } : {}),
      ...(h.held ? { held: h.held } : {}),
      steps: HOST_STEPS.map((s) => step(h.name, s, pending(s))),
    })),
    bookingSteps: BOOKING_STEPS.map((s) => step('', s, ownSteps.get(s) ?? pending(s))),
    ...(row.headnode ? { headnode: row.headnode } : {}),
    ...(row.vpn_accounts ? { access: { vpnAccounts: row.vpn_accounts } } : {}),
    ...(row.leftovers.length ? { cleanup: { leftovers: row.leftovers } } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}
