// What the API answers about bookings (docs/booking-api.md), as far as the CLI reads it.
// Kept here rather than imported from api/: the CLI talks to a server that may be older or newer.

export type BookingState = 'provisioning' | 'held' | 'active' | 'releasing' | 'released' | 'failed' | 'needs_cleanup';

export interface Failure {
  type: string;
  message: string;
}

export interface StepView {
  step: string;
  status: 'pending' | 'running' | 'done' | 'failed' | 'undoing' | 'undone';
  startedAt?: string;
  finishedAt?: string;
  attempt?: number;
  /** Imaging only, 0-100, while it runs. */
  progress?: number;
  /** While the step waits for its host to come back from a reboot: ms so far. */
  rebootWaitMs?: number;
  error?: Failure;
}

export interface HostView {
  name: string;
  hostname: string;
  address?: string;
  held?: { step: string; until: string };
  steps: StepView[];
}

export interface Leftover {
  host: string | null;
  step: string;
  error: Failure;
}

/** A VPN account as the API shows it: its name, and its generated password the one time it is shown. */
export type VpnAccountView = string | { uid: string; password?: string };

export interface BookingView {
  id: string;
  lab?: string;
  project: string;
  owner: string;
  state: BookingState;
  start: string;
  end: string;
  networks: { name: string; vlan: number | null }[];
  hosts: HostView[];
  bookingSteps?: StepView[];
  headnode?: { name: string; console?: { type: string; host: string; port: number } };
  /** Generated VPN passwords appear once (in either shape), the first time the booking is read after they were made. */
  access?: { vpnAccounts?: VpnAccountView[]; vpnPasswords?: Record<string, string> };
  cleanup?: { leftovers: Leftover[] };
  error?: Failure;
}

export interface BookingSummary {
  id: string;
  project: string;
  owner: string;
  state: BookingState;
  start: string;
  end: string;
  hosts: string[];
}

export interface BookingEvent {
  id: string;
  kind: string;
  at: string;
  host?: string;
  step?: string;
  detail?: unknown;
}

/** States a booking stays in until someone acts (or its lease ends): watching stops there. */
export const SETTLED_STATES: readonly BookingState[] = ['active', 'released', 'failed', 'needs_cleanup', 'held'];

export function isSettled(state: string): boolean {
  return (SETTLED_STATES as readonly string[]).includes(state);
}

/** The step that failed, in the words of an operator: "sim-01 imaging" or "booking vpn". */
export function failedStep(b: BookingView): { host: string | null; step: string; error: Failure } | null {
  for (const h of b.hosts) {
    const s = h.steps.find((x) => x.error);
    if (s?.error) return { host: h.name, step: s.step, error: s.error };
  }
  const s = (b.bookingSteps ?? []).find((x) => x.error);
  if (s?.error) return { host: null, step: s.step, error: s.error };
  return null;
}

/** The generated VPN passwords this reading of the booking shows, by account. */
export function vpnPasswords(b: BookingView): Record<string, string> {
  const out: Record<string, string> = { ...b.access?.vpnPasswords };
  for (const a of b.access?.vpnAccounts ?? []) if (typeof a === 'object' && a.password) out[a.uid] = a.password;
  return out;
}

export function vpnPasswordOf(b: BookingView, uid: string): string | undefined {
  return vpnPasswords(b)[uid];
}

/** For people: the passwords, with the warning that the API will not show them again. */
export function passwordLines(passwords: Record<string, string>): string[] {
  return Object.entries(passwords).map(([uid, pw]) => `VPN password of ${uid} (shown once; keep it now): ${pw}`);
}
