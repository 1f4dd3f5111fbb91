// Shapes shared by the workflows, the activities and the API. Only plain data: these travel in histories.

/** Per-host steps, in the order they run. */
export const HOST_STEPS = ['power', 'imaging', 'switch', 'network', 'access'] as const;
/** The steps a re-image runs again, in order: the switch ports stay as they are. */
export const REIMAGE_STEPS = ['power', 'imaging', 'network', 'access'] as const;
/** Steps of the booking as a whole, after every host is provisioned. */
export const BOOKING_STEPS = ['vpn', 'headnode'] as const;

export type HostStep = (typeof HOST_STEPS)[number];
export type BookingStep = (typeof BOOKING_STEPS)[number];
export type StepName = HostStep | BookingStep;
export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'undoing' | 'undone';

export type BookingState = 'scheduled' | 'provisioning' | 'held' | 'active' | 'releasing' | 'released' | 'failed' | 'needs_cleanup';

/** What happens when a step fails for good: undo the booking, or wait for an operator. */
export type FailurePolicy = 'compensate' | 'hold';

export interface NetworkRequest {
  name: string;
  /** The network that carries DHCP and the default route on the hosts. */
  public?: boolean;
  /** This VLAN id and no other (taken from the lab's pool; refused when another booking holds it). */
  vlan?: number;
}

export interface InterfaceNetwork {
  network: string;
  tagged: boolean;
}

export interface HostRequest {
  name?: string;
  flavor?: string;
  image: string;
  hostname?: string;
  /** NIC OS name → networks on it (at most one untagged). */
  interfaces: Record<string, InterfaceNetwork[]>;
}

export interface BookingInput {
  id: string;
  lab: string;
  project: string;
  owner: string;
  purpose?: string;
  /** ISO 8601 instants. */
  start: string;
  end: string;
  networks: NetworkRequest[];
  hosts: HostRequest[];
  access: { sshKeys: string[]; vpnUsers: string[] };
  headnode?: { image: string; networks: string[] };
  /** compensate (default) or hold: a failed host waits for an operator until holdTimeoutMs, then compensates. */
  failurePolicy?: FailurePolicy;
  holdTimeoutMs?: number;
  /** The lab's longest lease, checked again when the booking is extended. */
  maxLeaseMs?: number;
  /**
   * alert: the end is a safety bound, not the end (another system, the LaaS 2.x dashboard, ends the
   * booking by releasing it): reaching it raises a `lease:alert` event and the booking is kept.
   */
  leaseEnd?: 'alert';
}

/** What the allocation activity decided: concrete hosts and VLANs. */
export interface Allocation {
  /** Same order as BookingInput.hosts. */
  hosts: string[];
  vlans: Record<string, number>;
}

/** One NIC's wanted VLANs, resolved from the booking's networks. */
export interface NicPlan {
  nic: string;
  native: { network: string; vlan: number } | null;
  tagged: { network: string; vlan: number }[];
}

export interface HostInput {
  bookingId: string;
  lab: string;
  host: string;
  image: string;
  hostname: string;
  nics: NicPlan[];
  /** The booking's public network name, if any (DHCP + default route). */
  publicNetwork: string | null;
  sshKeys: string[];
  /** Workflow id of the booking, to report progress to. */
  parentWorkflowId: string;
  failurePolicy: FailurePolicy;
  holdTimeoutMs: number;
  /** The booking's lease end: a held step waits no longer (absent in histories from before). */
  leaseEnd?: string;
}

/** An operator's answer to a held step. */
export type HoldDecision = 'retry' | 'abort';

export interface StepRecord {
  step: StepName;
  status: StepStatus;
  startedAt?: string;
  finishedAt?: string;
  attempt?: number;
  progress?: number;
  /** While the step waits for its host to come back from a reboot: ms so far (read model only). */
  rebootWaitMs?: number;
  error?: { type: string; message: string };
}

/** What an undo belongs to: a step, or the booking's allocation, or its hosts as a whole. */
export type UndoName = StepName | 'allocation' | 'hosts';

/** Something an undo could not remove: kept until an operator clears it. */
export interface Leftover {
  host: string | null;
  step: UndoName;
  error: { type: string; message: string };
}

export interface HostStatus {
  name: string;
  hostname: string;
  address?: string;
  /** The image on the host now (set once the host was re-imaged; else the booking's). */
  image?: string;
  /** The last re-image asked for this host, and how far it got. */
  reimage?: { image: string; reimage: number; state: 'requested' | 'done' };
  /** Set while a failed step waits for an operator (hold policy). */
  held?: { step: HostStep; until: string };
  steps: StepRecord[];
}

export interface BookingStatus {
  id: string;
  lab: string;
  project: string;
  owner: string;
  state: BookingState;
  start: string;
  end: string;
  networks: { name: string; vlan: number | null }[];
  hosts: HostStatus[];
  bookingSteps: StepRecord[];
  headnode?: { name: string; console?: { type: string; host: string; port: number } };
  vpnAccounts?: string[];
  /** Generated VPN passwords, until the API has shown them once (then gone from the booking). */
  vpnPasswords?: Record<string, string>;
  leftovers: Leftover[];
  error?: { type: string; message: string };
}

/**
 * A host child's end when its undos left nothing (patch i17-host-fewer-events): its result, or
 * its failure's details, say that it is undone, with its final step records.
 */
export interface HostUndone {
  undoneInResult: true;
  steps: StepRecord[];
}

/** A child's report to its booking. */
export interface HostProgress {
  host: string;
  record: StepRecord;
  address?: string;
  held?: HostStatus['held'] | null;
  /** Counts the host's reports, so a report overtaken by a later one is ignored (absent in old histories). */
  seq?: number;
}

/**
 * The booking as the read model stores it, sent with every bookkeeping event (no secrets: the
 * VPN passwords stay in the workflow, only whether some wait to be claimed). Host steps are not
 * in it: each step's activity records its own. `seq` orders the snapshots of one run.
 */
export interface BookingSnapshot {
  seq: number;
  /** When the booking's workflow started: the list's order (newest first). */
  createdAt: string;
  lab: string;
  project: string;
  owner: string;
  state: BookingState | 'scheduled';
  start: string;
  end: string;
  networks: { name: string; vlan: number | null }[];
  hosts: { name: string; hostname: string; image?: string; held?: HostStatus['held'] }[];
  bookingSteps: StepRecord[];
  headnode?: BookingStatus['headnode'];
  vpnAccounts?: string[];
  credentialsPending: boolean;
  leftovers: Leftover[];
  error?: { type: string; message: string };
}
