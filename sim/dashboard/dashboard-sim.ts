/**
 * A LaaS dashboard's lab-facing job API on a loopback port, following the contract in
 * laas-pipeline.md: `GET /api/labs/<lab>/jobs/new` (and `current`, `done`, `<job>`) behind the
 * lab's `auth-token` header, `POST /api/labs/<lab>/jobs/<job>/<task>` with form fields `status`
 * and `message`. Every report is recorded for tests; the booking's end is driven from TypeScript.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { JobBook, TASK_STATUS, isTaskStatus, type DashboardJob, type JobSpec, type TaskKind, type TaskStatus } from './jobs';

export { TASK_STATUS } from './jobs';
export type { AccessConfig, DashboardJob, HardwareConfig, JobJson, JobSpec, NetworkConfig, TaskKind, TaskStatus, VlanEntry } from './jobs';

export interface DashboardSimOptions {
  /** The lab's name in the dashboard's URLs. */
  lab?: string;
  /** The lab's API token; default random. */
  token?: string;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Id of the first job, so simulators started by different tests hand out different jobs. Default 1. */
  firstJobId?: number;
}

/** One status report from the lab, as the dashboard stored it. */
export interface TaskReport {
  job: number;
  task: string;
  kind: TaskKind;
  status: TaskStatus;
  message: string;
}

export interface DashboardRequestRecord {
  method: string;
  path: string;
  status: number;
}

export interface DashboardFaults {
  /** The next this-many requests answer 500 before doing anything. */
  failNext: number;
  /** The next this-many task reports answer 500 without recording anything. */
  failNextReports: number;
}

const NO_FAULTS: DashboardFaults = { failNext: 0, failNextReports: 0 };

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export class DashboardSimulator {
  readonly jobs: JobBook;
  /** Every report accepted, oldest first. */
  readonly reports: TaskReport[] = [];
  /** Every request answered (headers are not kept: they carry the token). */
  readonly requests: DashboardRequestRecord[] = [];
  private faults: DashboardFaults = { ...NO_FAULTS };
  private port = 0;

  private constructor(
    private readonly server: Server,
    readonly lab: string,
    private readonly token: string,
    firstJobId: number,
  ) {
    this.jobs = new JobBook(firstJobId);
  }

  static async start(options: DashboardSimOptions = {}): Promise<DashboardSimulator> {
    const server = createServer();
    const sim = new DashboardSimulator(server, options.lab ?? 'sim', options.token ?? randomBytes(20).toString('hex'), options.firstJobId ?? 1);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      sim.handle(req, res).catch(() => sim.send(req, res, 500, { error: 'internal error' }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    sim.port = typeof address === 'object' && address ? address.port : 0;
    return sim;
  }

  /** The dashboard's base URL, e.g. http://127.0.0.1:41234 */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The lab's token, as the lab operator would copy it from the dashboard. */
  get labToken(): string {
    return this.token;
  }

  /** A user books: the dashboard creates the job, every task NEW. */
  addJob(spec: JobSpec): DashboardJob {
    return this.jobs.add(spec);
  }

  /** The booking ends: the job comes back with teardown deltas, every task NEW again. */
  endBooking(jobId: number): DashboardJob {
    return this.jobs.end(jobId);
  }

  reportsFor(jobId: number, taskId?: string): TaskReport[] {
    return this.reports.filter((r) => r.job === jobId && (taskId === undefined || r.task === taskId));
  }

  setFaults(faults: Partial<DashboardFaults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? '/').split('?')[0]!;
    if (this.faults.failNext > 0) {
      this.faults.failNext--;
      return this.send(req, res, 500, { error: 'internal error' });
    }
    const m = /^\/api\/labs\/([^/]+)\/jobs\/([^/]+)(?:\/([^/]+))?\/?$/.exec(path);
    if (!m) return this.send(req, res, 404, { error: `no route ${path}` });
    const [, lab, jobPart, taskId] = m as unknown as [string, string, string, string | undefined];
    // A wrong lab and a wrong token look the same: the dashboard does not tell lab names to strangers.
    const given = req.headers['auth-token'];
    if (lab !== this.lab || typeof given !== 'string' || !sameSecret(given, this.token)) {
      return this.send(req, res, 401, { error: 'lab not authorized' });
    }
    if (taskId === undefined) {
      if (req.method !== 'GET') return this.send(req, res, 405, { error: `${req.method} not allowed here` });
      if (jobPart === 'new') return this.send(req, res, 200, this.jobs.withStatus(TASK_STATUS.NEW));
      if (jobPart === 'current') return this.send(req, res, 200, this.jobs.withStatus(TASK_STATUS.CURRENT));
      if (jobPart === 'done') return this.send(req, res, 200, this.jobs.withStatus(TASK_STATUS.DONE));
      const job = /^\d+$/.test(jobPart) ? this.jobs.jobs.get(Number(jobPart)) : undefined;
      return job ? this.send(req, res, 200, this.jobs.json(job.id)) : this.send(req, res, 404, { error: `no job ${jobPart}` });
    }
    const task = /^\d+$/.test(jobPart) ? this.jobs.task(Number(jobPart), taskId) : undefined;
    if (!task) return this.send(req, res, 404, { error: `no task ${taskId} in job ${jobPart}` });
    if (req.method === 'GET') return this.send(req, res, 200, task.delta);
    if (req.method !== 'POST') return this.send(req, res, 405, { error: `${req.method} not allowed here` });
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return this.send(req, res, 415, { error: 'task reports are HTML form posts (application/x-www-form-urlencoded)' });
    }
    const form = new URLSearchParams(body);
    const status = form.get('status');
    if (status !== null && !(/^\d+$/.test(status) && isTaskStatus(Number(status)))) {
      return this.send(req, res, 400, { error: `status must be one of 0, 100, 200, 300 (got ${JSON.stringify(status)})` });
    }
    if (this.faults.failNextReports > 0) {
      this.faults.failNextReports--;
      return this.send(req, res, 500, { error: 'internal error' });
    }
    // As the dashboard does: each field given replaces the stored one, a missing field is left alone.
    if (status !== null) task.status = Number(status) as TaskStatus;
    const message = form.get('message');
    if (message !== null) task.message = message;
    this.reports.push({ job: Number(jobPart), task: task.id, kind: task.kind, status: task.status, message: task.message });
    return this.send(req, res, 200, { task: task.delta, meta: { status: task.status, job: jobPart, message: task.message } });
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
    this.requests.push({ method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]!, status });
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
