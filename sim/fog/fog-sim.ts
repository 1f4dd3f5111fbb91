/**
 * A FOG server's REST API on a loopback port, following fog-api.md: token and
 * Basic authentication, string-typed numbers, `null` from task creation, tasks
 * moving Queued → Checked In → In-Progress → Complete over configurable time,
 * and faults for tests. Everything else is driven from TypeScript (add hosts and
 * images, boot a host, cancel in the "web UI", break the server).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { route, type FogReply } from './routes';
import { FogStore, type TaskFate, type Timing } from './store';

export type { TaskFate, Timing } from './store';

export interface FogSimOptions {
  /** The server's API token and the user's token as FOG stores them (raw); default random. */
  apiToken?: string;
  userToken?: string;
  /** A FOG user for HTTP Basic auth; default "fog" with a random password. */
  user?: { name: string; password: string };
  /** Phase lengths of a task; defaults suit a demo (seconds), tests pass milliseconds. */
  timing?: Partial<Timing>;
  /** Hosts check in by themselves after `queuedMs`; when false, only bootHost() checks them in. Default true. */
  autoCheckIn?: boolean;
  /** The IANA time zone the server writes its times in (FOG_TZINFO), e.g. "Europe/Berlin"; default UTC. */
  timeZone?: string;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
}

export interface FogFaults {
  /** Delay before every answer. */
  latencyMs: number;
  /** The next this-many API requests answer 500. */
  failNext: number;
  /** Every API request answers 500 until turned off. */
  failAll: boolean;
  /** FOG_API_ENABLED: when false every request is redirected (302) to the management page. */
  apiEnabled: boolean;
  /** The user's "API access" setting: when false the user token is refused (401). */
  userApiAccess: boolean;
  /** Cancelling what is not active answers 200 and does nothing, as FOG did before it answered 409. */
  legacyCancel: boolean;
  /** Task creation fails with this FOG error message (500), e.g. "Failed to create task". */
  createTaskError: string | null;
}

export interface FogRequestRecord {
  method: string;
  path: string;
  status: number;
  /** The JSON body the client sent, parsed; null if none. */
  body: unknown;
}

export interface FogTaskView {
  id: number;
  hostName: string;
  typeID: number;
  imageID: number;
  stateID: number;
  pct: number;
}

const NO_FAULTS: FogFaults = {
  latencyMs: 0,
  failNext: 0,
  failAll: false,
  apiEnabled: true,
  userApiAccess: true,
  legacyCancel: false,
  createTaskError: null,
};

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | string[] | undefined): string => (typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8').trim() : '');

export class FogSimulator {
  readonly store: FogStore;
  /** Every request answered, oldest first (headers are not kept: they carry the tokens). */
  readonly requests: FogRequestRecord[] = [];
  private faults: FogFaults = { ...NO_FAULTS };
  private readonly fates = new Map<string, TaskFate>();
  private port = 0;

  private constructor(
    private readonly server: Server,
    private readonly apiToken: string,
    private readonly userToken: string,
    private readonly user: { name: string; password: string },
    options: FogSimOptions,
  ) {
    const timing = { queuedMs: 2000, checkInMs: 1000, imagingMs: 10_000, ...options.timing };
    this.store = new FogStore(timing, options.autoCheckIn ?? true, options.timeZone);
  }

  static async start(options: FogSimOptions = {}): Promise<FogSimulator> {
    const server = createServer();
    const sim = new FogSimulator(
      server,
      options.apiToken ?? randomBytes(24).toString('hex'),
      options.userToken ?? randomBytes(24).toString('hex'),
      options.user ?? { name: 'fog', password: randomBytes(12).toString('base64url') },
      options,
    );
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      sim.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: String(err) }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    sim.port = typeof address === 'object' && address ? address.port : 0;
    return sim;
  }

  /** Base URL of the API, e.g. http://127.0.0.1:41234/fog */
  get url(): string {
    return `http://127.0.0.1:${this.port}/fog`;
  }

  /** The tokens as FOG's web UI shows them (base64), which is what goes into the headers. */
  get credentials(): { apiToken: string; userToken: string; user: string; password: string } {
    return { apiToken: b64(this.apiToken), userToken: b64(this.userToken), user: this.user.name, password: this.user.password };
  }

  addImage(name: string, fields: { isEnabled?: boolean } = {}): { id: number; name: string } {
    const image = this.store.addImage({ name, ...fields });
    return { id: image.id, name: image.name };
  }

  addHost(name: string, fields: { macs?: string[]; imageId?: number } = {}): { id: number; name: string } {
    const host = this.store.addHost({ name, macs: fields.macs, imageID: fields.imageId });
    return { id: host.id, name: host.name };
  }

  setTiming(timing: Partial<Timing>): void {
    this.store.timing = { ...this.store.timing, ...timing };
  }

  setAutoCheckIn(on: boolean): void {
    this.store.autoCheckIn = on;
  }

  setFaults(faults: Partial<FogFaults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  clearFaults(): void {
    this.faults = { ...NO_FAULTS };
  }

  /** What becomes of the host's tasks created from now on. */
  setTaskFate(hostName: string, fate: TaskFate): void {
    this.requireHost(hostName).fate = fate;
  }

  /** The host PXE-booted (e.g. its BMC powered it on): its queued task checks in. */
  bootHost(hostName: string): void {
    this.store.boot(this.requireHost(hostName));
  }

  /** Someone cancels the task in FOG's web UI. */
  cancelFromConsole(taskId: number): void {
    this.store.refresh();
    const task = this.store.tasks.get(taskId);
    if (!task) throw new Error(`no FOG task ${taskId}`);
    this.store.cancel(task);
  }

  /** The task was created `ms` earlier than it was (a deploy from before the test's step). */
  backdateTask(taskId: number, ms: number): void {
    const task = this.store.tasks.get(taskId);
    if (!task) throw new Error(`no FOG task ${taskId}`);
    task.createdAt -= ms;
    if (task.bootedAt !== null) task.bootedAt -= ms;
  }

  /** The task row disappears from FOG's database. */
  deleteTask(taskId: number): void {
    this.store.tasks.delete(taskId);
  }

  tasks(hostName?: string): FogTaskView[] {
    this.store.refresh();
    return [...this.store.tasks.values()]
      .map((t) => ({ task: t, host: this.store.hosts.get(t.hostID) }))
      .filter(({ host }) => hostName === undefined || host?.name === hostName)
      .map(({ task, host }) => ({ id: task.id, hostName: host?.name ?? '', typeID: task.typeID, imageID: task.imageID, ...this.store.progress(task) }));
  }

  host(name: string): { id: number; imageId: number; deployed: string } | undefined {
    const host = this.store.hostByName(name);
    return host && { id: host.id, imageId: host.imageID, deployed: host.deployed };
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private requireHost(name: string) {
    const host = this.store.hostByName(name);
    if (!host) throw new Error(`no FOG host named ${name}`);
    return host;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown = null;
    try {
      body = raw === '' ? null : (JSON.parse(raw) as unknown);
    } catch {
      body = null;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const reply = this.answer(req, path, body);
    this.requests.push({ method: req.method ?? '', path, status: reply.status, body });
    if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (reply.status === 302) headers.Location = `http://${req.headers.host ?? '127.0.0.1'}/fog/management/index.php`;
    res.writeHead(reply.status, headers);
    const payload = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
    res.end(req.method === 'HEAD' ? undefined : payload);
  }

  private answer(req: IncomingMessage, path: string, body: unknown): FogReply {
    // FOG checks, in this order: the API is enabled, the API token, the user.
    if (!this.faults.apiEnabled) return { status: 302 };
    const segments = path.split('/').filter((s) => s !== '');
    if (segments[0] !== 'fog') return { status: 501 };
    const below = segments.slice(1);
    // The liveness route needs no credentials, as on a real FOG server.
    if (below[0] !== 'system') {
      if (unb64(req.headers['fog-api-token']) !== this.apiToken) return { status: 403 };
      if (!this.userAccepted(req)) return { status: 401 };
      if (this.faults.failAll || this.faults.failNext > 0) {
        if (this.faults.failNext > 0) this.faults.failNext--;
        return { status: 500, body: { error: 'Simulated server failure' } };
      }
    }
    this.store.refresh();
    return route(this.store, { method: req.method ?? 'GET', segments: below, body }, this.faults);
  }

  private userAccepted(req: IncomingMessage): boolean {
    if (this.faults.userApiAccess && unb64(req.headers['fog-user-token']) === this.userToken) return true;
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (basic === undefined) return false;
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 && decoded.slice(0, colon) === this.user.name && decoded.slice(colon + 1) === this.user.password;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
