import { CliError, EXIT } from '../context';
import type { BookingEvent, BookingSummary, BookingView, Leftover } from './booking-types';

/**
 * The laas HTTP API as the CLI uses it. Where and as whom come from the environment only
 * (LAAS_API_URL, LAAS_API_TOKEN): a token given on the command line would show in `ps`.
 */

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export interface ApiSettings {
  url: string;
  token: string | undefined;
}

export function apiSettings(env: NodeJS.ProcessEnv = process.env): ApiSettings {
  const url = (env.LAAS_API_URL ?? '').trim() || DEFAULT_API_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`LAAS_API_URL ${JSON.stringify(url)} is not a URL; expected e.g. ${DEFAULT_API_URL}`, EXIT.usage);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`LAAS_API_URL must be an http:// or https:// URL, not ${parsed.protocol}`, EXIT.usage);
  }
  const token = env.LAAS_API_TOKEN?.trim();
  return { url: url.replace(/\/+$/, ''), token: token || undefined };
}

/** An error answer of the API, kept whole for callers that tell conflicts apart. */
export class ApiAnswerError extends CliError {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message, exitCodeOf(status));
  }
}

function exitCodeOf(status: number): number {
  if (status === 404) return EXIT.notFound;
  if (status === 400 || status === 413 || status === 415) return EXIT.usage;
  return EXIT.failed;
}

interface ErrorBody {
  error?: { type?: string; message?: string; details?: { issues?: { field?: string; message?: string }[] } };
}

function describeError(status: number, body: ErrorBody | null, settings: ApiSettings): { type: string; message: string; details?: unknown } {
  const type = body?.error?.type ?? `HTTP${status}`;
  let message = body?.error?.message ?? `the API answered HTTP ${status}`;
  if (status === 401) message += settings.token ? ' (LAAS_API_TOKEN was refused)' : ' (set LAAS_API_TOKEN)';
  // Every problem of a refused request, so a booking file can be fixed in one go.
  const issues = body?.error?.details?.issues ?? [];
  if (issues.length > 1) message += `\n${issues.map((i) => `  ${i.field ?? 'body'}: ${i.message ?? 'invalid'}`).join('\n')}`;
  return { type, message, ...(body?.error?.details ? { details: body.error.details } : {}) };
}

/**
 * A booking reset by `laas bookings retry` has two workflow runs, and Temporal's visibility lists
 * both (newest first): people and scripts want the booking once, as it is now.
 */
function newestRunOnly(bookings: BookingSummary[]): BookingSummary[] {
  const seen = new Set<string>();
  return bookings.filter((b) => !seen.has(b.id) && seen.add(b.id));
}

const path = (...parts: string[]) => parts.map(encodeURIComponent).join('/');

export interface ListFilter {
  state?: string;
  project?: string;
  owner?: string;
  host?: string;
  limit?: number;
  cursor?: string;
}

export class ApiClient {
  constructor(
    readonly settings: ApiSettings,
    private readonly timeoutMs = 30_000,
  ) {}

  async request<T>(method: string, route: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    let res: Response;
    try {
      res = await fetch(`${this.settings.url}${route}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new CliError(`cannot reach the laas API at ${this.settings.url}: ${why}`, EXIT.unreachable);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      if (res.ok) throw new CliError(`the API answered ${method} ${route} with something that is not JSON`, EXIT.failed);
    }
    if (!res.ok) {
      const e = describeError(res.status, parsed as ErrorBody | null, this.settings);
      throw new ApiAnswerError(res.status, e.type, e.message, e.details);
    }
    return parsed as T;
  }

  async listBookings(filter: ListFilter): Promise<{ bookings: BookingSummary[]; nextCursor: string | null }> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '') query.set(k, String(v));
    const qs = query.toString();
    const page = await this.request<{ bookings: BookingSummary[]; nextCursor: string | null }>('GET', `/v1/bookings${qs ? `?${qs}` : ''}`);
    return { ...page, bookings: newestRunOnly(page.bookings) };
  }

  /** Every page of a listing, following the cursor. */
  async listAllBookings(filter: Omit<ListFilter, 'cursor'>): Promise<BookingSummary[]> {
    const all: BookingSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listBookings({ ...filter, ...(cursor ? { cursor } : {}) });
      all.push(...page.bookings);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return newestRunOnly(all);
  }

  getBooking(id: string): Promise<BookingView> {
    return this.request('GET', `/v1/bookings/${path(id)}`);
  }

  createBooking(body: unknown): Promise<{ id: string; state: string }> {
    return this.request('POST', '/v1/bookings', body);
  }

  releaseBooking(id: string): Promise<{ id: string; state: string }> {
    return this.request('DELETE', `/v1/bookings/${path(id)}`);
  }

  extendBooking(id: string, end: string): Promise<{ end: string }> {
    return this.request('POST', `/v1/bookings/${path(id)}/extend`, { end });
  }

  /** An operator's answer to a held booking. */
  answerHold(id: string, action: 'retry' | 'abort', host?: string): Promise<{ hosts: string[] }> {
    return this.request('POST', `/v1/bookings/${path(id)}/retry`, { action, ...(host ? { host } : {}) });
  }

  retryCleanup(id: string): Promise<{ leftovers: Leftover[] }> {
    return this.request('POST', `/v1/bookings/${path(id)}/cleanup`);
  }

  events(id: string, after?: string): Promise<{ events: BookingEvent[] }> {
    return this.request('GET', `/v1/bookings/${path(id)}/events${after ? `?after=${encodeURIComponent(after)}` : ''}`);
  }
}

export function apiClient(env: NodeJS.ProcessEnv = process.env): ApiClient {
  return new ApiClient(apiSettings(env));
}
