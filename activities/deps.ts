import type { Inventory } from './inventory';
import type { PowerDriver } from '../drivers/power/power';
import type { ImagingDriver } from '../drivers/imaging/imaging';
import type { SwitchDriver } from '../drivers/switch/switch';
import type { HostDriver } from '../drivers/host/host';
import type { DirectoryDriver } from '../drivers/directory/directory';
import type { HeadnodeDriver } from '../drivers/headnode/headnode';
import type { ConsoleDriver } from '../drivers/console/bmc-console';
import type { Allocation, HostRequest, Leftover } from '../workflows/types';
import type { BookingEventInput } from '../db/booking-events';
import type { HostAccess, StepWrite } from '../db/booking-steps';
import type { BookingSnapshot } from '../workflows/types';

export interface Drivers {
  power: PowerDriver;
  imaging: ImagingDriver;
  /** By switch type (nxos, nxapi, os10, ovs, sim). */
  switches: Record<string, SwitchDriver>;
  host: HostDriver;
  directory: DirectoryDriver;
  headnode: HeadnodeDriver;
  /** Nodes' serial consoles (SOL, obmd, simulated); a worker without it captures none. */
  console?: ConsoleDriver;
}

export interface Credential {
  username: string;
  password: string;
  /** An obmd node's URL and node token (HIL >= 0.4 nodes), sealed with its admin token. */
  uri?: string;
  token?: string;
}

/** Device credentials by name; activities look them up so workflows never carry them. */
export interface CredentialStore {
  get(name: string): Promise<Credential>;
  /** Replaces a credential, sealed (an obmd node's token); read-only stores leave it out. */
  set?(name: string, value: Credential): Promise<void>;
}

/** Nodes' console logs in PostgreSQL, written by the console activity, read by the API. */
export interface ConsoleLogStore {
  /** Appends bytes (the store keeps the newest); false when the log is gone: the capture was stopped. */
  append(host: string, bytes: Buffer): Promise<boolean>;
  /** The capture's state; false when the log is gone. */
  mark(host: string, state: 'running' | 'ended', reason?: string): Promise<boolean>;
}

export interface AllocationRequest {
  bookingId: string;
  lab?: string;
  project?: string;
  owner?: string;
  hosts: Pick<HostRequest, 'name' | 'flavor'>[];
  networks: string[];
  /** Network name → the VLAN id it must get (a dashboard's own allocation). */
  requestedVlans?: Record<string, number>;
  start: string;
  end: string;
}

/** Who holds which host and VLAN over which time range. */
export interface Allocator {
  /** Idempotent by booking id: the same booking gets the same answer. */
  allocate(request: AllocationRequest): Promise<Allocation>;
  /** Swap a failed host of a flavor booking for another free host of the flavor; returns its name. */
  substitute(request: { bookingId: string; failed: string; keep: string[]; flavor: string }): Promise<string>;
  /** Move the booking's end; refused with the conflicting range when the hosts or VLANs are taken. */
  extend(bookingId: string, end: string): Promise<void>;
  /** Releasing what is not held is a no-op. */
  release(bookingId: string): Promise<void>;
}

/** What a HIL networking action asks of a switch port, and where its outcome is recorded. */
export interface NetworkActionPlan {
  id: string;
  type: 'modify_port' | 'revert_port';
  channel: string;
  switch: string;
  port: string;
  /** The network to attach and its VLAN; null to detach `channel` (or, for revert_port, everything). */
  network: { name: string; vlan: number } | null;
  /** What the port carries before the change. */
  current: { channel: string; network: string; vlan: number }[];
}

export interface NetworkActionStore {
  plan(id: string): Promise<NetworkActionPlan>;
  /** Idempotent: finishing again the same way is a no-op. */
  finish(id: string, outcome: { ok: true } | { ok: false; error: string }): Promise<void>;
}

export interface EventSink {
  append(event: BookingEventInput): Promise<void>;
  /** The booking's current leftovers (an empty list clears them). */
  leftovers(bookingId: string, leftovers: Leftover[]): Promise<void>;
  /** The read model (db/booking-views.ts): the booking's snapshot, newer by `seq` within a run. */
  view?(bookingId: string, runId: string, snapshot: BookingSnapshot): Promise<void>;
  /** The read model: one write of a step's record (idempotent, ordered by its ordinal). */
  step?(write: StepWrite): Promise<void>;
  /** The read model: how the booking's user reaches a host. */
  hostAccess?(access: HostAccess): Promise<void>;
  /** Attempts of a step that failed since `sinceMs` (its first scheduling), as the step reported them. */
  stepFailures?(q: { bookingId: string; host: string; step: string; sinceMs: number }): Promise<number>;
}

/** An event sink that keeps the read model too. */
export type ReadModelSink = EventSink & Required<Pick<EventSink, 'view' | 'step' | 'hostAccess'>>;

export interface Timing {
  /** How often the imaging task is polled. */
  imagingPollMs: number;
  /** Longest an imaging task may take once the host is powered on. */
  imagingTimeoutMs: number;
  /** Longest a host may take to answer SSH after a reboot. */
  rebootTimeoutMs: number;
  /** Pause between two heartbeats of a running step or undo; 5 s when unset (activities/heartbeat.ts). */
  heartbeatMs?: number;
}

export interface ActivityDeps {
  /** The lab this worker serves (its task queue). */
  labName: string;
  inventory: Inventory;
  drivers: Drivers;
  credentials: CredentialStore;
  allocator: Allocator;
  events: EventSink;
  timing: Timing;
  /** The lab's own SSH identity on provisioned hosts. */
  hostLogin: { username: string; privateKey: string };
  /**
   * Serializes changes to one switch across every worker process (a PostgreSQL advisory lock);
   * absent in single-process simulations.
   */
  switchLock?: <T>(switchName: string, work: () => Promise<T>) => Promise<T>;
  /** HIL networking actions recorded by the API, carried out by their own short workflows. */
  networkActions?: NetworkActionStore;
  /** Where the console activity keeps the consoles it captures; absent: the worker captures none. */
  consoleLogs?: ConsoleLogStore;
  /** Host keys seen at first contact; a fresh image brings a new key, so imaging forgets the old one. */
  hostKeys?: { forget(host: string): void | Promise<void> };
}
