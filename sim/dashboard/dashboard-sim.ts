/**
 * The LaaS 2.x dashboard's lab API on a loopback port, answering as the real dashboard answers
 * (shared/reference/laas-dashboard-2x.md; REF src/api/urls.py, views.py, models.py): 403 HTML for a
 * bad lab or token and for a POST to a view that is not CSRF-exempt, 500 for unknown ids, any
 * integer status stored, form bodies only (anything else leaves the form empty and answers 200).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomInt } from 'node:crypto';

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
import { JobBook, payloadOf, type BookingSpec, type DashboardJob, type DashboardTask } from './jobs';
import { newImageCatalogue, newOpsysCatalogue } from './images';

export { TASK_STATUS, JobBook, payloadOf } from './jobs';
export type { BookingSpec, DashboardJob, DashboardTask, HostSpec, JobJson, TaskKind, VlanEntry } from './jobs';
export type { DashboardImage, DashboardOpsys } from './images';

export interface DashboardUser {
  id: number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  company: string;
}

export interface DashboardSimOptions {
  lab?: string;
  /** 45 letters and digits, as the dashboard generates; default random. */
  token?: string;
  port?: number;
  firstJobId?: number;
  /** Task ids handed out first (tests use the reference's). */
  taskIds?: string[];
  users?: DashboardUser[];
  /** labid → resource profile name; hosts the dashboard knows. */
  hosts?: Record<string, string>;
}

/** One accepted task post, as the dashboard stored it. */
export interface TaskPost {
  job: number;
  task: string;
  kind: string;
  /** The fields posted (absent ones were left alone). */
  fields: { status?: string; message?: string; lab_token?: string };
  status: number;
  message: string;
}

export interface DashboardRequestRecord {
  method: string;
  path: string;
  status: number;
  contentType?: string;
}

const INT32 = 2 ** 31;
const slug = '[-a-zA-Z0-9_]+';
/** Every lab route of REF src/api/urls.py: Django resolves the URL (404) before CSRF (403) and the token. */
const ROUTES = [
  /^jobs\/(new|current|done|getByType\/DATA)$/,
  /^jobs\/\d+$/,
  new RegExp(`^jobs/\\d+/${slug}$`),
  new RegExp(`^hosts/${slug}(/bmc)?$`),
  /^users(\/\d+)?$/,
  new RegExp(`^(image|opsys)(/${slug})?$`),
  /^(downtime|status|profile|inventory)$/,
  /^booking\/\d+\/(pdf|idf)$/,
];
/** The views that are `@csrf_exempt`: a POST anywhere else is refused before the view runs. */
const EXEMPT = [/^jobs\/\d+$/, new RegExp(`^jobs/\\d+/${slug}$`), /^jobs\/getByType\/DATA$/, new RegExp(`^hosts/${slug}(/bmc)?$`), new RegExp(`^(image|opsys)/${slug}$`)];

export class DashboardSimulator {
  readonly jobs: JobBook;
  readonly posts: TaskPost[] = [];
  readonly requests: DashboardRequestRecord[] = [];
  /** `ActiveVPNUser` rows: the counts the lab posted. */
  readonly activeUsers: number[] = [];
  readonly users: DashboardUser[];
  /** labid → {working, type}; `booked` is computed from the jobs. */
  readonly hosts = new Map<string, { working: boolean; type: string }>();
  /** Every lab's images and operating systems (the listings do not check the token). */
  readonly images = newImageCatalogue();
  readonly opsys = newOpsysCatalogue();
  /** The next this-many task posts answer 500 before anything is stored. */
  failNextPosts = 0;
  private port = 0;

  private constructor(
    private readonly server: Server,
    readonly lab: string,
    readonly labToken: string,
    options: DashboardSimOptions,
  ) {
    this.jobs = new JobBook(options.firstJobId ?? 1, [...(options.taskIds ?? [])]);
    this.users = options.users ?? [];
    for (const [labid, type] of Object.entries(options.hosts ?? {})) this.hosts.set(labid, { working: true, type });
  }

  static async start(options: DashboardSimOptions = {}): Promise<DashboardSimulator> {
    const server = createServer();
    // Always 45 characters: dropping base64's +, / and = from random bytes made it shorter at times.
    const token = options.token ?? Array.from({ length: 45 }, () => TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)]).join('');
    const sim = new DashboardSimulator(server, options.lab ?? 'sim', token, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      sim.handle(req, res).catch(() => sim.html(req, res, 500, 'Server Error (500)'));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    sim.port = typeof address === 'object' && address ? address.port : 0;
    return sim;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A user books: the job and its tasks, every task at 0. */
  book(spec: BookingSpec): DashboardJob {
    return this.jobs.add(spec);
  }

  /** The booking ends (expiry or cancellation): the teardown re-issue. */
  endBooking(jobId: number): DashboardJob {
    return this.jobs.end(jobId);
  }

  /** The owner picks another image for one host of the running booking. */
  reimage(jobId: number, labid: string, image: string): DashboardJob {
    return this.jobs.reimage(jobId, labid, image);
  }

  postsFor(taskId: string): TaskPost[] {
    return this.posts.filter((p) => p.task === taskId);
  }

  /** `GET hosts/<labid>`'s answer, or undefined for a host the dashboard does not know. */
  hostState(labid: string): { booked: boolean; working: boolean; type: string } | undefined {
    this.jobs.freeHosts();
    const h = this.hosts.get(labid);
    if (!h) return undefined;
    const booked = [...this.jobs.jobs.values()].some((j) => j.held.includes(labid));
    return { booked, working: h.working, type: h.type };
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    const m = new RegExp(`^/api/labs/(${slug})/(.+)$`).exec(path);
    if (!m || path.endsWith('/')) return this.html(req, res, 404, '<h1>Not Found</h1>');
    const [, lab, rest] = m as unknown as [string, string, string];
    if (!ROUTES.some((r) => r.test(rest))) return this.html(req, res, 404, '<h1>Not Found</h1>');
    if (method !== 'GET' && !EXEMPT.some((r) => r.test(rest))) return this.html(req, res, 403, '<h1>Forbidden (403)</h1><p>CSRF verification failed. Request aborted.</p>');
    // all_images / all_opsyss: every lab's entries, no token asked.
    if (rest === 'image' || rest === 'opsys') return this.json(req, res, 200, (rest === 'image' ? this.images : this.opsys).rows);
    if (lab !== this.lab || req.headers['auth-token'] !== this.labToken) return this.html(req, res, 403, '<h1>403 Forbidden</h1>');
    this.jobs.freeHosts();
    const listing = /^jobs\/(new|current|done)$/.exec(rest);
    if (listing) return this.json(req, res, 200, this.jobs.withStatus({ new: 0, current: 100, done: 200 }[listing[1] as 'new']));
    if (rest === 'jobs/getByType/DATA') return this.analytics(req, res, body);
    const job = /^jobs\/(\d+)$/.exec(rest);
    if (job) return method === 'POST' ? this.json(req, res, 200, null) : this.json(req, res, 200, this.jobs.whole(Number(job[1])));
    const task = new RegExp(`^jobs/(\\d+)/(${slug})$`).exec(rest);
    if (task) return this.task(req, res, task[2]!, body);
    const host = new RegExp(`^hosts/(${slug})$`).exec(rest);
    if (host) return this.host(req, res, host[1]!, body);
    const catalogued = new RegExp(`^(image|opsys)/(${slug})$`).exec(rest);
    if (catalogued) return this.catalogue(req, res, catalogued[1] as 'image' | 'opsys', catalogued[2]!, body);
    if (rest === 'users') return this.text(req, res, JSON.stringify({ users: this.users }));
    const user = /^users\/(\d+)$/.exec(rest);
    if (user) {
      const u = this.users.find((x) => x.id === Number(user[1]));
      if (!u) throw new Error(`User matching query does not exist: ${user[1]}`);
      return this.text(req, res, JSON.stringify(u));
    }
    return this.html(req, res, 404, '<h1>Not Found</h1>');
  }

  /** `specific_task`: GET the payload; POST form fields; other methods return nothing (500). */
  private task(req: IncomingMessage, res: ServerResponse, taskId: string, body: string): void {
    const found = this.jobs.findTask(taskId);
    if (!found || found.task.kind === 'active users task') throw new Error(`no task ${taskId}`);
    const { job, task } = found;
    if (req.method === 'GET') return this.json(req, res, 200, payloadOf(task));
    if (req.method !== 'POST') throw new Error('the view returned None');
    const form = formOf(req, body);
    const fields = { status: form.get('status') ?? undefined, message: form.get('message') ?? undefined, lab_token: form.get('lab_token') ?? undefined };
    if (fields.status !== undefined && !/^\s*[-+]?\d+\s*$/.test(fields.status)) throw new Error(`invalid literal for int(): ${fields.status}`);
    if (fields.status !== undefined && Math.abs(Number(fields.status)) >= INT32) throw new Error('integer out of range');
    if (fields.lab_token !== undefined && fields.lab_token.length > 50) throw new Error('value too long for type character varying(50)');
    if (this.failNextPosts > 0) {
      this.failNextPosts--;
      throw new Error('injected fault');
    }
    store(task, fields);
    this.posts.push({ job: job.id, task: task.id, kind: task.kind, fields, status: task.status, message: task.message });
    const meta = { status: fields.status ?? task.status, job: `Job object (${job.id})`, message: task.message };
    return this.json(req, res, 200, { task: payloadOf(task), meta });
  }

  private analytics(req: IncomingMessage, res: ServerResponse, body: string): void {
    const job = [...this.jobs.jobs.values()].find((j) => j.type === 'DATA');
    if (req.method === 'GET') return this.json(req, res, 200, job ? this.jobs.whole(job.id) : { id: 0, payload: {} });
    const count = (JSON.parse(body) as { active_users: unknown }).active_users;
    if (typeof count !== 'number' || !Number.isInteger(count)) throw new Error('an integer column');
    this.activeUsers.push(count);
    return this.reply(req, res, 200, 'text/html; charset=utf-8', '');
  }

  /** `single_image` / `single_opsys`: the body is JSON whatever the content type; 200 with an empty body. */
  private catalogue(req: IncomingMessage, res: ServerResponse, kind: 'image' | 'opsys', labId: string, body: string): void {
    const table = kind === 'image' ? this.images : this.opsys;
    if (req.method === 'GET') {
      const row = table.find(this.lab, labId);
      return row ? this.json(req, res, 200, row) : this.reply(req, res, 404, 'text/html; charset=utf-8', '');
    }
    if (req.method !== 'POST') return this.reply(req, res, 405, 'text/html; charset=utf-8', '');
    const data = JSON.parse(body) as unknown;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('not a JSON object');
    table.upsert(this.lab, labId, data as Record<string, unknown>);
    return this.reply(req, res, 200, 'text/html; charset=utf-8', '');
  }

  /** `GET/POST hosts/<labid>`: only the exact string `true` marks a host working. */
  private host(req: IncomingMessage, res: ServerResponse, labid: string, body: string): void {
    const h = this.hosts.get(labid);
    if (!h) throw new Error(`no host ${labid}`);
    if (req.method === 'POST') {
      const working = formOf(req, body).get('working');
      if (working !== null) h.working = working === 'true';
    }
    return this.json(req, res, 200, this.hostState(labid));
  }

  private json(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
    this.reply(req, res, status, 'application/json', JSON.stringify(body));
  }

  private text(req: IncomingMessage, res: ServerResponse, body: string): void {
    this.reply(req, res, 200, 'text/plain', body);
  }

  html(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
    this.reply(req, res, status, 'text/html; charset=utf-8', `<!DOCTYPE html><html><body>${body}</body></html>`);
  }

  private reply(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
    this.requests.push({ method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]!, status, ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}) });
    res.writeHead(status, { 'Content-Type': contentType });
    res.end(body);
  }
}

/** Django's `request.POST`: filled from url-encoded bodies only here (multipart is not simulated); empty otherwise. */
function formOf(req: IncomingMessage, body: string): URLSearchParams {
  return (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body) : new URLSearchParams();
}

function store(task: DashboardTask, fields: TaskPost['fields']): void {
  if (fields.status !== undefined) task.status = Number(fields.status);
  if (fields.message !== undefined) task.message = fields.message;
  if (fields.lab_token !== undefined) task.labToken = fields.lab_token;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
