/**
 * The LaaS 2.x dashboard's jobs, as the real dashboard keeps and serves them
 * (shared/reference/laas-dashboard-2x.md, REF src/api/models.py): one job per booking, one
 * hardware and one network task per host, one VPN task per user and one SSH task per user with a
 * key. Teardown and re-image put the same task ids back to 0 with new payloads; ids never change.
 */
import { randomUUID } from 'node:crypto';

/** The statuses the dashboard names; any integer is stored (§6). */
export const TASK_STATUS = { NEW: 0, CURRENT: 100, DONE: 200, ERROR: 300 } as const;

export type TaskKind = 'hardware' | 'network' | 'access' | 'software' | 'snapshot' | 'active users task';

export interface VlanEntry {
  vlan_id: number;
  tagged: boolean;
}

export interface HostSpec {
  /** The lab's own name for the host (`Resource.labid`). */
  labid: string;
  /** The lab's image id (`Image.lab_id`). */
  image: string;
  /** `ResourceConfiguration.name`: free text, the quick booking form's default is `opnfv_host`. */
  hostname?: string;
  /** Every interface of the host, by MAC, with the VLANs the booking puts on it ([] for none). */
  nics: Record<string, VlanEntry[]>;
}

export interface BookingSpec {
  hosts: HostSpec[];
  /** Owner first, then collaborators: dashboard user ids, with the SSH key each uploaded (if any). */
  users: { id: number; key?: string }[];
  /** An OPNFV installer's software payload (`opnfv` object), when the booking has one. */
  software?: Record<string, unknown>;
}

export interface DashboardTask {
  id: string;
  kind: TaskKind;
  status: number;
  message: string;
  /** The column default is the string "null". */
  labToken: string;
  /** The payload without lab_token; where lab_token goes depends on the kind. */
  config: Record<string, unknown>;
}

export interface DashboardJob {
  id: number;
  /** `booking` for a booking's job, `DATA` for the analytics job. */
  type: 'booking' | 'DATA';
  tasks: DashboardTask[];
  /** Set when the teardown was re-issued (`Job.complete`). */
  complete: boolean;
  /** The hosts the dashboard holds for this job; emptied by free_hosts. */
  held: string[];
}

export interface JobJson {
  id: number;
  payload: Record<string, Record<string, unknown>>;
}

export class JobBook {
  readonly jobs = new Map<number, DashboardJob>();
  private nextId: number;

  /** `taskIds` are handed out first, in creation order (tests use the reference's ids). */
  constructor(
    firstJobId = 1,
    private readonly taskIds: string[] = [],
  ) {
    this.nextId = firstJobId;
  }

  private task(kind: TaskKind, config: Record<string, unknown>): DashboardTask {
    return { id: this.taskIds.shift() ?? randomUUID(), kind, status: TASK_STATUS.NEW, message: '', labToken: 'null', config };
  }

  /** `JobFactory.makeCompleteJob`: hardware, network, then access per user (VPN, and SSH with a key). */
  add(spec: BookingSpec): DashboardJob {
    const tasks: DashboardTask[] = [];
    for (const h of spec.hosts) {
      tasks.push(this.task('hardware', { id: h.labid, image: h.image, hostname: h.hostname ?? 'opnfv_host', power: 'on', ipmi_create: 'True' }));
    }
    for (const h of spec.hosts) tasks.push(this.task('network', { [h.labid]: structuredClone(h.nics) }));
    const hosts = spec.hosts.map((h) => h.labid);
    for (const u of spec.users) {
      tasks.push(this.task('access', { access_type: 'vpn', user: u.id, revoke: false }));
      if (u.key) tasks.push(this.task('access', { access_type: 'ssh', user: u.id, revoke: false, context: { key: u.key, hosts } }));
    }
    if (spec.software) tasks.push(this.task('software', { opnfv: structuredClone(spec.software) }));
    return this.store('booking', tasks, hosts);
  }

  /** A job of a kind this lab may not know (snapshot), for a booking of hosts `held`. */
  addTasks(kind: TaskKind, configs: Record<string, unknown>[], held: string[] = []): DashboardJob {
    return this.store('booking', configs.map((c) => this.task(kind, c)), held);
  }

  /** `query_vpn_users`: one more `active users task` on the analytics job, payload `{}`. */
  addActiveUsersTask(): DashboardTask {
    let job = [...this.jobs.values()].find((j) => j.type === 'DATA');
    job ??= this.store('DATA', [], []);
    const t = this.task('active users task', {});
    job.tasks.push(t);
    return t;
  }

  private store(type: DashboardJob['type'], tasks: DashboardTask[], held: string[]): DashboardJob {
    const job: DashboardJob = { id: this.nextId++, type, tasks, complete: false, held };
    this.jobs.set(job.id, job);
    return job;
  }

  /**
   * `booking_poll` at the booking's end: hardware (power off, ipmi_create "False"), network (every
   * MAC to []), VPN access (revoke) and software go back to 0; SSH tasks are not re-issued.
   */
  end(jobId: number): DashboardJob {
    const job = this.require(jobId);
    for (const t of job.tasks) {
      if (t.kind === 'hardware') Object.assign(t.config, { power: 'off', ipmi_create: 'False' });
      else if (t.kind === 'network') t.config = Object.fromEntries(Object.entries(t.config).map(([host, macs]) => [host, emptied(macs)]));
      else if (t.kind === 'access' && String(t.config.access_type).includes('vpn')) t.config.revoke = true;
      else if (t.kind !== 'software') continue;
      t.status = TASK_STATUS.NEW;
    }
    job.complete = true;
    return job;
  }

  /** `JobFactory.reimageHost`: that host's hardware (new image) and network tasks, and every SSH task, back to 0. */
  reimage(jobId: number, labid: string, image: string): DashboardJob {
    const job = this.require(jobId);
    for (const t of job.tasks) {
      if (t.kind === 'hardware' && t.config.id === labid) Object.assign(t.config, { image, power: 'on', ipmi_create: 'True' });
      else if (!(t.kind === 'network' && labid in t.config) && !(t.kind === 'access' && t.config.access_type === 'ssh')) continue;
      t.status = TASK_STATUS.NEW;
    }
    return job;
  }

  /**
   * `free_hosts`: an ended job releases its hosts unless it still has a hardware task and a
   * network task in {0, 100, 300}.
   */
  freeHosts(): void {
    const stuck = (t: DashboardTask) => [0, 100, 300].includes(t.status);
    for (const job of this.jobs.values()) {
      if (!job.complete) continue;
      if (job.tasks.some((t) => t.kind === 'hardware' && stuck(t)) && job.tasks.some((t) => t.kind === 'network' && stuck(t))) continue;
      job.held = [];
    }
  }

  require(jobId: number): DashboardJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`the dashboard has no job ${jobId}`);
    return job;
  }

  /** `get_task`: found by task id alone, across all jobs. */
  findTask(taskId: string): { job: DashboardJob; task: DashboardTask } | undefined {
    for (const job of this.jobs.values()) {
      const task = job.tasks.find((t) => t.id === taskId);
      if (task) return { job, task };
    }
    return undefined;
  }

  /** A listing: jobs with tasks at exactly this status, each with only those tasks. */
  withStatus(status: number): JobJson[] {
    const out: JobJson[] = [];
    for (const job of this.jobs.values()) {
      const tasks = job.tasks.filter((t) => t.status === status);
      if (tasks.length) out.push(toJson(job.id, tasks, true));
    }
    return out;
  }

  /** `Job.to_dict`: every task; network and access payloads without lab_token. */
  whole(jobId: number): JobJson {
    const job = this.require(jobId);
    return toJson(job.id, job.tasks, false);
  }
}

function emptied(macs: unknown): Record<string, never[]> {
  return Object.fromEntries(Object.keys(macs as Record<string, unknown>).map((mac) => [mac, []]));
}

/** A task's payload as served: `lab_token` inside, or next to the host key for network. */
export function payloadOf(t: DashboardTask, withToken = true): Record<string, unknown> {
  const config = structuredClone(t.config);
  if (t.kind === 'active users task' || t.kind === 'snapshot') return config;
  if (!withToken && (t.kind === 'network' || t.kind === 'access')) return config;
  return { ...config, lab_token: t.labToken };
}

function toJson(id: number, tasks: DashboardTask[], withToken: boolean): JobJson {
  const payload: JobJson['payload'] = {};
  for (const t of tasks) (payload[t.kind] ??= {})[t.id] = payloadOf(t, withToken);
  return { id, payload };
}
