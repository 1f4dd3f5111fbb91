/**
 * The LaaS 3.0 dashboard's liblaas client (its src/liblaas/views.py, reference liblaas-api.md
 * §1.3 and §2): the URL is LIBLAAS_BASE_URL + endpoint, POST bodies are JSON with
 * `Content-Type: application/json`, no credentials, no timeout. Two ways of reading answers:
 * group J parses the body as JSON whatever the status (a body that is not JSON, or no answer,
 * is `null`: Python's None); group C looks only at whether the status is 200.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface Call {
  method: string;
  endpoint: string;
  status: number | null;
}

export class LiblaasClient {
  /** Every call made, in order: tests compare it with the sequence the dashboard makes. */
  readonly calls: Call[] = [];

  constructor(
    private readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {
    if (!base.endsWith('/')) throw new Error('LIBLAAS_BASE_URL must end in "/" (the dashboard concatenates)');
  }

  private async send(method: string, endpoint: string, body?: unknown): Promise<{ status: number | null; text: string }> {
    const init: RequestInit = { method, headers: { ...this.headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { ...this.headers, 'Content-Type': 'application/json' };
    }
    try {
      const res = await fetch(`${this.base}${endpoint}`, init);
      const text = await res.text();
      this.calls.push({ method, endpoint, status: res.status });
      return { status: res.status, text };
    } catch {
      // A dropped connection: requests raises, the helper prints and answers None.
      this.calls.push({ method, endpoint, status: null });
      return { status: null, text: '' };
    }
  }

  /** Group J: `response.json()`, whatever the status. */
  private async json(method: string, endpoint: string, body?: unknown): Promise<Json> {
    const { text } = await this.send(method, endpoint, body);
    try {
      return JSON.parse(text) as Json;
    } catch {
      return null;
    }
  }

  /** Group C: `response.status_code == 200`. */
  private async ok(method: string, endpoint: string, body?: unknown): Promise<boolean> {
    return (await this.send(method, endpoint, body)).status === 200;
  }

  bookingCreate = (blob: unknown) => this.json('POST', 'booking/create', blob);
  bookingStatus = (agg: string) => this.json('GET', `booking/${agg}/status`);
  bookingEnd = (agg: string) => this.json('DELETE', `booking/${agg}/end`);
  setPower = (instance: string, command: 'PowerOn' | 'PowerOff' | 'Restart') =>
    this.json('POST', `booking/ipmi/${instance}/setpower`, { command, timeout_config: { max_retries: 5, retry_interval: 10, timeout_duration: 60 } });
  powerStatus = (instance: string) => this.json('GET', `booking/ipmi/${instance}/powerstatus`);
  getFqdn = (instance: string) => this.json('GET', `booking/ipmi/${instance}/getfqdn`);
  reimage = (instance: string, imageId: string) => this.ok('POST', `booking/${instance}/reimage`, { image_id: imageId });
  notifyExpiring = (agg: string, endRfc2822: string) => this.ok('POST', `booking/${agg}/notify/expiring`, endRfc2822);
  requestExtension = (agg: string, reason: string, date: string) => this.ok('POST', `booking/${agg}/request-extension`, { reason, date });
  flavors = (project: string) => this.json('GET', `flavor/${project}`);
  hosts = (project: string) => this.json('GET', `flavor/${project}/hosts`);
  templates = (project: string, ipa: string) => this.json('GET', `template/list/${project}/${ipa}`);
  templateCreate = (blob: { lab_name: string } & Record<string, unknown>) => this.json('POST', `template/${blob.lab_name}/create`, blob);
  templateDelete = (id: string) => this.ok('DELETE', `template/${id}`);
  user = (name: string) => this.json('GET', `user/${name}`);
  users = (names: string[]) => this.json('POST', 'user/many', names);
  userCreate = (blob: Record<string, unknown>) => this.ok('POST', 'user/create', blob);
  setSsh = (name: string, keys: string[]) => this.ok('POST', `user/${name}/ssh`, keys.map((k) => k.trim()));
  setCompany = (name: string, company: string) => this.ok('POST', `user/${name}/company`, company);

  /** addusers: on 200 the parsed JSON, else None. */
  async addUsers(agg: string, users: string[]): Promise<Json> {
    const { status, text } = await this.send('POST', `user/${agg}/addusers`, { users });
    if (status !== 200) return null;
    try {
      return JSON.parse(text) as Json;
    } catch {
      return null;
    }
  }
}
