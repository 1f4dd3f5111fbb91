/**
 * The dashboard's side of the job contract (laas-pipeline.md, "The dashboard contract"):
 * a job per booking, one task per host's hardware, per host's network and per user's
 * access, each with a status the lab reports and a message the user reads.
 */
import { randomUUID } from 'node:crypto';

/** The task status codes of the contract: NEW, CURRENT, DONE, ERROR. */
export const TASK_STATUS = { NEW: 0, CURRENT: 100, DONE: 200, ERROR: 300 } as const;
export type TaskStatus = (typeof TASK_STATUS)[keyof typeof TASK_STATUS];
export const isTaskStatus = (n: number): n is TaskStatus => Object.values(TASK_STATUS).includes(n as TaskStatus);

export type TaskKind = 'hardware' | 'network' | 'access' | 'software';

export interface HardwareConfig {
  /** The lab's name of the host. */
  id: string;
  image: string;
  power: 'on' | 'off';
  hostname: string;
  ipmi_create: boolean;
}

export interface VlanEntry {
  vlan_id: number;
  tagged: boolean;
}

/** One host's interfaces, by MAC address, with the VLANs each should carry. */
export type NetworkConfig = Record<string, Record<string, VlanEntry[]>>;

export interface AccessConfig {
  access_type: 'vpn' | 'ssh';
  user: string;
  revoke: boolean;
  context?: { key?: string; hosts?: string[] };
}

export type TaskConfig = HardwareConfig | NetworkConfig | AccessConfig | Record<string, unknown>;

export interface DashboardTask {
  id: string;
  kind: TaskKind;
  /** What the task asks for now: the full configuration, or the teardown delta once the booking ends. */
  delta: TaskConfig;
  status: TaskStatus;
  message: string;
}

export interface DashboardJob {
  id: number;
  tasks: DashboardTask[];
  /** True once the booking ended and the teardown deltas were handed out. */
  ended: boolean;
}

export interface JobSpec {
  hardware?: HardwareConfig[];
  network?: NetworkConfig[];
  access?: AccessConfig[];
  software?: Record<string, unknown>[];
}

/** The wire form: `{id, payload: {hardware: {<task>: {...}}, network: {...}, access: {...}, software: {...}}}`. */
export interface JobJson {
  id: number;
  payload: Partial<Record<TaskKind, Record<string, TaskConfig>>>;
}

export class JobBook {
  readonly jobs = new Map<number, DashboardJob>();
  private nextId: number;

  constructor(firstJobId = 1) {
    this.nextId = firstJobId;
  }

  add(spec: JobSpec): DashboardJob {
    const tasks: DashboardTask[] = [];
    const push = (kind: TaskKind, configs: TaskConfig[] | undefined) => {
      for (const c of configs ?? []) tasks.push({ id: randomUUID(), kind, delta: structuredClone(c), status: TASK_STATUS.NEW, message: '' });
    };
    push('hardware', spec.hardware);
    push('network', spec.network);
    push('access', spec.access);
    push('software', spec.software);
    const job: DashboardJob = { id: this.nextId++, tasks, ended: false };
    this.jobs.set(job.id, job);
    return job;
  }

  /**
   * The booking ended: the same job is handed out again, every task NEW, each carrying its
   * teardown delta (power off, no VLANs on any interface, access revoked).
   */
  end(jobId: number): DashboardJob {
    const job = this.require(jobId);
    for (const task of job.tasks) {
      if (task.kind === 'software') continue;
      task.delta = teardownDelta(task);
      task.status = TASK_STATUS.NEW;
      task.message = '';
    }
    job.ended = true;
    return job;
  }

  require(jobId: number): DashboardJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`the dashboard has no job ${jobId}`);
    return job;
  }

  task(jobId: number, taskId: string): DashboardTask | undefined {
    return this.jobs.get(jobId)?.tasks.find((t) => t.id === taskId);
  }

  /** Jobs with tasks in this status, each listing only those tasks; jobs with none are left out. */
  withStatus(status: TaskStatus): JobJson[] {
    const out: JobJson[] = [];
    for (const job of this.jobs.values()) {
      const tasks = job.tasks.filter((t) => t.status === status);
      if (tasks.length) out.push(toJson(job.id, tasks));
    }
    return out;
  }

  json(jobId: number): JobJson {
    const job = this.require(jobId);
    return toJson(job.id, job.tasks);
  }
}

function toJson(id: number, tasks: DashboardTask[]): JobJson {
  const payload: JobJson['payload'] = {};
  for (const t of tasks) (payload[t.kind] ??= {})[t.id] = structuredClone(t.delta);
  return { id, payload };
}

function teardownDelta(task: DashboardTask): TaskConfig {
  switch (task.kind) {
    case 'hardware': {
      const hw = task.delta as HardwareConfig;
      return { id: hw.id, power: 'off' };
    }
    case 'network': {
      const net = task.delta as NetworkConfig;
      return Object.fromEntries(Object.entries(net).map(([host, macs]) => [host, Object.fromEntries(Object.keys(macs).map((mac) => [mac, []]))]));
    }
    case 'access':
      return { ...(task.delta as AccessConfig), revoke: true };
    default:
      return task.delta;
  }
}
