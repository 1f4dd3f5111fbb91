/**
 * The connector's two HTTP peers: the LaaS dashboard's job API (lab token in `auth-token`) and
 * the laas booking API (`/v1/bookings`, bearer token). Neither token ever appears in an error.
 */
import { bookingView, type BookingView } from './connector-reports';
import type { BookingRequest } from './connector-request';
import type { DashboardUserRecord } from './connector-users';

/** A URL fit for a log line: no user or password in it. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/** The peer did not answer, or answered something other than what the contract says. */
export class PeerError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PeerError';
  }
}

/** The laas API refused a request (4xx), with its error type and message. */
export class LaasRefused extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'LaasRefused';
  }
}

interface Answer {
  status: number;
  body: unknown;
}

async function call(peer: string, base: string, method: string, path: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(`${base.replace(/\/$/, '')}${path}`, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    // fetch's own message is "fetch failed"; the cause names the socket error (ECONNREFUSED, timeout).
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    // Never fetch's own message: for some URLs it repeats the whole URL.
    const why = cause?.code ?? cause?.message ?? (err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'the request could not be made');
    throw new PeerError(`${peer} at ${shownUrl(base)} did not answer ${method} ${path}: ${why}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Left as text: the caller says what it expected.
  }
  return { status: res.status, body: parsed };
}

/** The fields of a dashboard image a lab sets (REF src/resource_inventory/models.py Image). */
export interface DashboardImageFields {
  name: string;
  architecture: 'x86_64' | 'aarch64' | 'unknown';
  description: string;
  public: boolean;
  available: boolean;
  obsolete: boolean;
}

export interface DashboardClientOptions {
  /** Base URL of the dashboard, e.g. https://labs.example.org */
  url: string;
  /** The lab's name in the dashboard's URLs. */
  lab: string;
  /** The lab's API token (secret). */
  token: string;
  timeoutMs?: number;
}

export class DashboardClient {
  constructor(private readonly options: DashboardClientOptions) {}

  /** Jobs with tasks nobody has started (status 0). */
  newJobs(): Promise<unknown[]> {
    return this.jobs('new');
  }

  /** Jobs with tasks the lab is working on (status 100): what to follow, even after a restart. */
  currentJobs(): Promise<unknown[]> {
    return this.jobs('current');
  }

  /** Tasks the lab finished (status 200): where running bookings are found. */
  doneJobs(): Promise<unknown[]> {
    return this.jobs('done');
  }

  /** `GET users/<id>`: JSON in a text/plain body; null for an id the dashboard does not know (its 500). */
  async user(id: number): Promise<DashboardUserRecord | null> {
    const path = `${this.base()}/users/${id}`;
    const a = await this.send('GET', path);
    if (a.status === 500) return null;
    this.ok(a, `GET ${path}`);
    const u = a.body as { id?: unknown; username?: unknown; email?: unknown } | null;
    if (!u || typeof u.username !== 'string') throw new PeerError(`dashboard answered GET ${path} without a username`);
    return { id, username: u.username, ...(typeof u.email === 'string' ? { email: u.email } : {}) };
  }

  /** `GET hosts/<labid>`: whether the dashboard offers the host (working) and holds it (booked). */
  async host(labid: string): Promise<{ booked: boolean; working: boolean } | null> {
    const path = `${this.base()}/hosts/${encodeURIComponent(labid)}`;
    const a = await this.send('GET', path);
    if (a.status === 500) return null;
    this.ok(a, `GET ${path}`);
    return a.body as { booked: boolean; working: boolean };
  }

  /** `POST hosts/<labid>` working=true|false: a broken host is not offered for new bookings. */
  async markHost(labid: string, working: boolean): Promise<void> {
    const path = `${this.base()}/hosts/${encodeURIComponent(labid)}`;
    const a = await this.send('POST', path, `working=${working ? 'true' : 'false'}`, { 'content-type': 'application/x-www-form-urlencoded' });
    this.ok(a, `POST ${path}`);
  }

  /** The analytics answer: a JSON body on its own route (the task itself cannot take a status). */
  async activeUsers(count: number): Promise<void> {
    const path = `${this.base()}/jobs/getByType/DATA`;
    const a = await this.send('POST', path, JSON.stringify({ active_users: count }), { 'content-type': 'application/json' });
    this.ok(a, `POST ${path}`);
  }

  /** `POST image/<id>`: creates or updates this lab's image `<id>`; the body is JSON (read raw by the dashboard). */
  async pushImage(id: string, image: DashboardImageFields): Promise<void> {
    const path = `${this.base()}/image/${encodeURIComponent(id)}`;
    const a = await this.send('POST', path, JSON.stringify(image), { 'content-type': 'application/json' });
    this.ok(a, `POST ${path}`);
  }

  private ok(a: Answer, what: string): void {
    if (a.status !== 200) throw new PeerError(`dashboard answered ${a.status} to ${what}${a.status === 403 ? ' (lab name or token refused)' : ''}`, a.status);
  }

  async report(job: number, task: string, status: number, message: string, labToken?: string): Promise<void> {
    const path = `${this.base()}/jobs/${job}/${encodeURIComponent(task)}`;
    const form = new URLSearchParams({ status: String(status), message, ...(labToken ? { lab_token: labToken } : {}) }).toString();
    const a = await this.send('POST', path, form, { 'content-type': 'application/x-www-form-urlencoded' });
    // The dashboard answers 500 for a task it does not know; error pages are HTML, never parsed.
    if (a.status !== 200) throw new PeerError(`dashboard answered ${a.status} to the report on job ${job} task ${task}${a.status === 500 ? ' (unknown task)' : ''}`, a.status);
  }

  private async jobs(which: 'new' | 'current' | 'done'): Promise<unknown[]> {
    const path = `${this.base()}/jobs/${which}`;
    const a = await this.send('GET', path);
    if (a.status !== 200) throw new PeerError(`dashboard answered ${a.status} to GET ${path}${a.status === 401 || a.status === 403 ? ' (lab name or token refused)' : ''}`, a.status);
    if (!Array.isArray(a.body)) throw new PeerError(`dashboard answered GET ${path} with something other than a list of jobs`);
    return a.body as unknown[];
  }

  private base(): string {
    return `/api/labs/${encodeURIComponent(this.options.lab)}`;
  }

  private send(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
    return call('dashboard', this.options.url, method, path, { 'auth-token': this.options.token, ...headers }, body, this.options.timeoutMs ?? 30_000);
  }
}

export interface LaasClientOptions {
  /** Base URL of the laas API, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Bearer token of the API (secret). */
  token: string;
  timeoutMs?: number;
}

export class LaasClient {
  constructor(private readonly options: LaasClientOptions) {}

  /** The booking, or null when there is none with this id. */
  async getBooking(id: string): Promise<BookingView | null> {
    const a = await this.send('GET', `/v1/bookings/${encodeURIComponent(id)}`);
    if (a.status === 404) return null;
    this.expect(a, [200], `GET booking ${id}`);
    const view = bookingView.safeParse(a.body);
    if (!view.success) throw new PeerError(`laas API answered GET booking ${id} with an unexpected body: ${view.error.issues[0]?.message ?? ''}`);
    return view.data;
  }

  /** The booking's generated VPN passwords, handed over this once; null when there are none to hand over. */
  async claimVpnPasswords(id: string): Promise<Record<string, string> | null> {
    const a = await this.send('POST', `/v1/bookings/${encodeURIComponent(id)}/vpn-password`, '{}');
    if (a.status === 409) return null;
    this.expect(a, [200], `VPN passwords of booking ${id}`);
    return (a.body as { vpnPasswords: Record<string, string> }).vpnPasswords;
  }

  async createBooking(request: BookingRequest): Promise<{ id: string; state: string }> {
    const a = await this.send('POST', '/v1/bookings', JSON.stringify(request));
    // 202 (accepted, allocating) or 201 (allocated before the answer).
    this.expect(a, [201, 202], `POST booking ${request.id}`);
    return a.body as { id: string; state: string };
  }

  /** Re-image one host of an active booking; answers the re-image's number. */
  async reimage(id: string, host: string, image: string): Promise<number> {
    const a = await this.send('POST', `/v1/bookings/${encodeURIComponent(id)}/hosts/${encodeURIComponent(host)}/reimage`, JSON.stringify({ image }));
    this.expect(a, [202], `re-image of ${host} in booking ${id}`);
    return (a.body as { reimage: number }).reimage;
  }

  /** The booking's events, oldest first. */
  async events(id: string): Promise<{ kind: string; detail: Record<string, unknown> }[]> {
    const a = await this.send('GET', `/v1/bookings/${encodeURIComponent(id)}/events`);
    this.expect(a, [200], `GET events of booking ${id}`);
    return (a.body as { events: { kind: string; detail: Record<string, unknown> }[] }).events;
  }

  /** Owners of the lab's active bookings, every page. */
  async activeOwners(): Promise<Set<string>> {
    const owners = new Set<string>();
    let cursor: string | null = null;
    do {
      const a = await this.send('GET', `/v1/bookings?state=active&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      this.expect(a, [200], 'GET active bookings');
      const page = a.body as { bookings: { owner: string }[]; nextCursor: string | null };
      for (const b of page.bookings) owners.add(b.owner);
      cursor = page.nextCursor;
    } while (cursor);
    return owners;
  }

  /** Release now. A booking that is already over is fine: the release is what was wanted. */
  async releaseBooking(id: string): Promise<void> {
    const a = await this.send('DELETE', `/v1/bookings/${encodeURIComponent(id)}`);
    if (a.status === 409 && errorOf(a.body)?.type === 'BookingClosed') return;
    this.expect(a, [202], `DELETE booking ${id}`);
  }

  private expect(a: Answer, ok: number[], what: string): void {
    if (ok.includes(a.status)) return;
    const err = errorOf(a.body);
    if (a.status >= 400 && a.status < 500 && err) throw new LaasRefused(a.status, err.type, err.message);
    throw new PeerError(`laas API answered ${a.status} to ${what}${errorText(a.body)}`, a.status);
  }

  private send(method: string, path: string, body?: string): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return call('laas API', this.options.url, method, path, headers, body, this.options.timeoutMs ?? 30_000);
  }
}

function errorOf(body: unknown): { type: string; message: string } | null {
  const e = (body as { error?: { type?: unknown; message?: unknown } } | null)?.error;
  return e && typeof e.type === 'string' && typeof e.message === 'string' ? { type: e.type, message: e.message } : null;
}

function errorText(body: unknown): string {
  const e = errorOf(body);
  if (e) return `: ${e.message}`;
  const plain = (body as { error?: unknown } | null)?.error;
  return typeof plain === 'string' ? `: ${plain}` : '';
}
