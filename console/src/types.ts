// The shapes the console reads from /v1 (docs/openapi.json); optional fields are those a
// newer API adds (addresses, ssh lines, scheduled) and the console shows when present.

export interface Me {
  name: string;
  kind: 'admin' | 'user' | 'dashboard';
  operator: boolean;
  projects: string[] | null;
}

export interface Failure {
  type: string;
  message: string;
}

export interface Step {
  step: string;
  status: 'pending' | 'running' | 'done' | 'failed' | 'undoing' | 'undone';
  startedAt?: string;
  finishedAt?: string;
  attempt?: number;
  progress?: number;
  error?: Failure;
}

export interface BookingHost {
  name: string;
  hostname: string;
  address?: string;
  addresses?: string[];
  image?: string;
  loginUser?: string;
  ssh?: string;
  held?: { step: string; until: string };
  steps: Step[];
}

export interface Leftover {
  host: string | null;
  step: string;
  error: Failure;
}

export interface Booking {
  id: string;
  lab: string;
  project: string;
  owner: string;
  state: string;
  start: string;
  end: string;
  networks: { name: string; vlan: number | null }[];
  hosts: BookingHost[];
  bookingSteps: Step[];
  headnode?: { name: string; console?: { type: string; host: string; port: number } };
  access?: { vpnAccounts: string[] };
  cleanup?: { leftovers: Leftover[] };
  error?: Failure;
}

export interface BookingSummary {
  id: string;
  project: string;
  owner: string;
  state: string;
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
  status?: string;
  detail: Record<string, unknown>;
}

/** A span of a host not given to a booking: a project's hold (HIL connect) or maintenance. */
export interface Hold {
  project?: string | null;
  bookingId?: string | null;
  start: string;
  end: string | null;
  reason?: string;
}

export interface HostRow {
  name: string;
  flavor?: string | null;
  /** available, maintenance or retired. */
  state: string;
  maintenance: boolean;
  holds: Hold[];
}
