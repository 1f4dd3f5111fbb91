// What the API answers about bookings (shared/design/booking-api.md), as far as the CLI reads it.
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
  access?: { vpnAccounts?: VpnAccountView[] };
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
