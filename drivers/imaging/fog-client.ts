/**
 * HTTP to a FOG server's REST API, as fog-api.md describes it: both tokens in
 * headers on every request, JSON bodies (also on GET, where they filter), no
 * redirects followed. Transport failures and the statuses that mean the same on
 * every route become typed errors here; the rest is left to the caller.
 */
import axios, { type AxiosInstance, type Method } from 'axios';
import { DeviceError, InvalidInput } from '../errors';
import { FogAuthFailed, FogUnreachable } from './imaging';

export interface FogConnection {
  /** The API's base URL, FOG's web root: e.g. http://fog.lab/fog */
  baseUrl: string;
  /** The global API token exactly as FOG's web UI shows it (already base64). */
  apiToken: string;
  /** The API user's token exactly as the web UI shows it (already base64). */
  userToken: string;
  /** Bound on one HTTP request in ms; default 10 s. */
  requestTimeoutMs?: number;
}

/** FOG_API_ENABLED is off: the server redirects API calls to its management page. Retrying cannot help. */
export class FogApiDisabled extends DeviceError {
  constructor() {
    super('FogApiDisabled', 'FOG server has its API disabled (FOG Settings → API System)', false);
  }
}

export interface FogAnswer {
  status: number;
  /** Parsed JSON, or the raw text when it is not JSON; null for an empty body. */
  data: unknown;
}

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

export class FogClient {
  private readonly http: AxiosInstance;

  constructor(conn: FogConnection) {
    let url: URL;
    try {
      url = new URL(conn.baseUrl);
    } catch {
      throw new InvalidInput('FOG base URL', conn.baseUrl, 'expected an http(s) URL such as http://fog.lab/fog');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidInput('FOG base URL', conn.baseUrl, 'expected an http or https URL');
    }
    // Tokens are never echoed, even when refused.
    for (const [what, token] of [['FOG API token', conn.apiToken], ['FOG user token', conn.userToken]] as const) {
      if (typeof token !== 'string' || !base64.test(token)) {
        throw new InvalidInput(what, '(hidden)', 'expected the base64 form the FOG web UI shows');
      }
    }
    const timeout = conn.requestTimeoutMs ?? 10_000;
    if (!Number.isInteger(timeout) || timeout < 100 || timeout > 600_000) {
      throw new InvalidInput('FOG request timeout (ms)', String(timeout), 'expected an integer from 100 to 600000');
    }
    this.http = axios.create({
      baseURL: conn.baseUrl.replace(/\/+$/, ''),
      timeout,
      headers: { 'fog-api-token': conn.apiToken, 'fog-user-token': conn.userToken, Accept: 'application/json' },
      // A 302 means "API disabled", not "look elsewhere".
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: (raw: unknown) => raw,
    });
  }

  /**
   * One request. Resolves with any status the route may give meaning to;
   * throws FogUnreachable (no answer, 5xx the caller did not expect), FogAuthFailed (401/403)
   * and FogApiDisabled (302).
   */
  async call(method: Method, path: string, body?: unknown, expected: number[] = [200]): Promise<FogAnswer> {
    const where = `${method.toUpperCase()} ${path}`;
    let status: number;
    let text: string;
    try {
      const res = await this.http.request<string>({ method, url: path, data: body === undefined ? undefined : body });
      status = res.status;
      text = typeof res.data === 'string' ? res.data : '';
    } catch (err) {
      // axios errors carry the request config (headers, tokens): keep only the code.
      const code = axios.isAxiosError(err) ? (err.code ?? 'network error') : 'network error';
      throw new FogUnreachable(`${where}: ${code === 'ECONNABORTED' ? 'no answer in time' : code}`);
    }
    const data = parse(text);
    if (expected.includes(status)) return { status, data };
    if (status === 401 || status === 403) throw new FogAuthFailed();
    if (status === 302) throw new FogApiDisabled();
    throw new FogUnreachable(`${where} answered ${status}${errorText(data)}`);
  }
}

function parse(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** FOG's error bodies: {"error": "..."} or {"msg": "..."}. */
export function errorText(data: unknown): string {
  if (data !== null && typeof data === 'object') {
    const d = data as Record<string, unknown>;
    const message = d.error ?? d.msg;
    if (typeof message === 'string') return `: ${message.slice(0, 200)}`;
  }
  return '';
}
