import { InvalidInput } from '../errors';
import { commandTimeout } from './ssh-connect';
import { SwitchAuthFailed, SwitchUnreachable, type SwitchTarget } from './switch';

/**
 * One REST request as a vendor template writes it: `<METHOD> <path> [<body>] [| ok <status>...]`.
 * The path is relative to the vendor's resource root; `| ok 409` makes that status a success
 * (HIL's `acceptable_error_codes`, e.g. POST of a switchport that exists).
 */
export interface RestLine {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  body?: string;
  tolerated: number[];
}

const REST_LINE = /^(GET|PUT|POST|DELETE) (\/\S*)(?: (?!\|)(.*?))?(?: \| ok ((?:\d{3} ?)+))?$/;

export function parseRestLine(line: string): RestLine | undefined {
  const m = REST_LINE.exec(line);
  if (!m?.[1] || !m[2]) return undefined;
  return { method: m[1] as RestLine['method'], path: m[2], ...(m[3] ? { body: m[3] } : {}), tolerated: (m[4] ?? '').trim().split(' ').filter(Boolean).map(Number) };
}

/** `http(s)://<address>[:port]`, option `scheme` choosing https (HIL's hostname field gives it). */
export function restBase(target: SwitchTarget): string {
  const scheme = target.options?.scheme ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') throw new InvalidInput('option scheme', scheme, 'expected http or https');
  if (!/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])$/.test(target.address)) throw new InvalidInput('switch address', target.address, 'expected a host name or IP address');
  return `${scheme}://${target.address}${target.port ? `:${target.port}` : ''}`;
}

export interface RestAnswer {
  status: number;
  text: string;
}

/** One request with HTTP Basic, as HIL's drivers send them (`requests.request(..., auth=(user, password))`). */
export async function restRequest(target: SwitchTarget, method: string, url: string, body?: string): Promise<RestAnswer> {
  const authorization = `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetch(url, { method, headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/xml' }) }, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(commandTimeout(target)) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new SwitchUnreachable(target.name, cause ?? (err as Error).message);
  }
  if (res.status === 401) throw new SwitchAuthFailed(target.name);
  return { status: res.status, text: await res.text() };
}

/** The switch's own words from an error body (`<error-message>`), else the body. */
export function restErrorText(answer: RestAnswer): string {
  const m = /<error-message>([\s\S]*?)<\/error-message>/.exec(answer.text);
  return `${answer.status} ${(m?.[1] ?? answer.text).trim().slice(0, 500)}`;
}
