import type { Lab } from '../../config/lab';
import type { PortVlans } from '../../drivers/switch/switch';
import { FaultPlan, type SimOperation } from './faults';
import type { DirectoryUser } from '../../drivers/directory/directory';

export interface SimHostState {
  power: 'on' | 'off';
  bootDevice: 'pxe' | 'disk';
  /** Image id deployed by the last completed imaging task. */
  image: string | null;
  hostname: string | null;
  files: Map<string, { content: string; mode: number }>;
  reboots: number;
}

export interface SimImagingTask {
  id: string;
  host: string;
  imageId: string;
  startedAt: number;
  state: 'queued' | 'in-progress' | 'complete' | 'cancelled';
}

/** A standing user of the directory (user/create), with the bookings whose VPN group it is in. */
export interface SimUser extends DirectoryUser {
  bookings: Set<string>;
}

export interface SimAccount {
  uid: string;
  bookingId: string;
  password: string;
}

export interface SimHeadnode {
  name: string;
  networks: { name: string; vlan: number }[];
}

export interface SimLabOptions {
  /** Latency of each device operation, in milliseconds. */
  latencyMs?: number;
  /** Latency of particular operations (e.g. a slow BMC), overriding latencyMs. */
  operationLatencyMs?: Partial<Record<SimOperation, number>>;
  /** Latency of every operation on particular hosts (or headnodes, VPN users), overriding the others. */
  targetLatencyMs?: Record<string, number>;
  /** How long an imaging task takes from deploy to complete. */
  imagingMs?: number;
}

/**
 * The simulated lab: the state of every device of a lab description, kept in memory,
 * with latency and fault injection. Its drivers (./drivers) implement the real interfaces.
 */
export class SimLab {
  readonly faults = new FaultPlan();
  readonly hosts = new Map<string, SimHostState>();
  /** Switch name → port → VLANs. */
  readonly ports = new Map<string, Map<string, PortVlans>>();
  readonly switchVlans = new Map<string, Set<number>>();
  readonly imagingTasks = new Map<string, SimImagingTask>();
  readonly accounts = new Map<string, SimAccount>();
  readonly users = new Map<string, SimUser>();
  readonly headnodes = new Map<string, SimHeadnode>();
  /** Every device operation performed, in order (for demos and debugging; tests read histories). */
  readonly journal: { at: SimOperation; target: string; detail?: string }[] = [];
  latencyMs: number;
  operationLatencyMs: Partial<Record<SimOperation, number>>;
  targetLatencyMs: Record<string, number>;
  imagingMs: number;
  private nextTask = 1;
  /** Port → host that owns it, so port faults can be aimed at a host. */
  private readonly portOwner = new Map<string, string>();

  constructor(readonly lab: Lab, options: SimLabOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.operationLatencyMs = { ...options.operationLatencyMs };
    this.targetLatencyMs = { ...options.targetLatencyMs };
    this.imagingMs = options.imagingMs ?? 0;
    for (const sw of lab.switches) {
      this.ports.set(sw.name, new Map());
      this.switchVlans.set(sw.name, new Set([1]));
    }
    for (const h of lab.hosts) {
      this.hosts.set(h.name, { power: 'off', bootDevice: 'disk', image: null, hostname: null, files: new Map(), reboots: 0 });
      for (const nic of h.nics) {
        this.ports.get(nic.switch)?.set(nic.port, { native: null, tagged: [] });
        this.portOwner.set(`${nic.switch}/${nic.port}`, h.name);
      }
    }
  }

  /**
   * A host of the simulated lab. One the lab file does not name was registered later (through
   * HIL's /v0 with the mock OBM): the inventory the activities looked it up in is the authority,
   * so the simulated lab takes it on, powered off.
   */
  host(name: string): SimHostState {
    let h = this.hosts.get(name);
    if (!h) {
      h = { power: 'off', bootDevice: 'disk', image: null, hostname: null, files: new Map(), reboots: 0 };
      this.hosts.set(name, h);
    }
    return h;
  }

  /** A simulated switch's ports and VLANs; one registered after start (HIL's mock type) is taken on empty. */
  switchState(name: string): { ports: Map<string, PortVlans>; vlans: Set<number> } {
    if (!this.ports.has(name)) this.ports.set(name, new Map());
    if (!this.switchVlans.has(name)) this.switchVlans.set(name, new Set([1]));
    return { ports: this.ports.get(name)!, vlans: this.switchVlans.get(name)! };
  }

  portOwnerOf(sw: string, port: string): string {
    return this.portOwner.get(`${sw}/${port}`) ?? `${sw}/${port}`;
  }

  newTaskId(): string {
    return String(this.nextTask++);
  }

  /** Every device operation goes through here: latency, then faults, then the journal. */
  async operate(at: SimOperation, target: string, detail?: string): Promise<void> {
    const latency = this.targetLatencyMs[target] ?? this.operationLatencyMs[at] ?? this.latencyMs;
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    this.faults.check(at, target, detail);
    this.journal.push(detail === undefined ? { at, target } : { at, target, detail });
  }

  /** What a finished booking must not leave behind; empty when the lab is clean. */
  residue(): string[] {
    const left: string[] = [];
    for (const [name, h] of this.hosts) {
      if (h.power !== 'off') left.push(`${name}: power ${h.power}`);
      for (const path of h.files.keys()) left.push(`${name}: file ${path}`);
    }
    for (const [sw, ports] of this.ports) {
      for (const [port, v] of ports) {
        if (v.native !== null || v.tagged.length > 0) left.push(`${sw} ${port}: VLANs ${JSON.stringify(v)}`);
      }
    }
    for (const t of this.imagingTasks.values()) {
      if (t.state === 'queued' || t.state === 'in-progress') left.push(`imaging task ${t.id} for ${t.host} still open`);
    }
    for (const a of this.accounts.values()) left.push(`VPN account ${a.uid}`);
    for (const u of this.users.values()) if (u.bookings.size) left.push(`user ${u.uid} in the VPN group for ${[...u.bookings].join(', ')}`);
    for (const hn of this.headnodes.values()) left.push(`headnode ${hn.name}`);
    return left;
  }
}
