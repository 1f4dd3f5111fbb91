import { driverLog } from '../../config/driver-log';
import { InvalidInput } from '../errors';
import { BmcAuthFailed, BmcCommandFailed, BmcUnreachable } from './power';

/** An obmd node URL as HIL stored it: http(s), no credentials, no query. */
export function checkObmdUri(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidInput('obmd uri', uri, 'expected an http or https URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
    throw new InvalidInput('obmd uri', uri, 'expected an http or https URL without credentials, query or fragment');
  }
  return url;
}

export interface ObmdCall {
  host: string;
  uri: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The operation under the node's URL: `token`, `power_on`, `console`, ... */
  op: string;
  body?: unknown;
  /** Admin calls authenticate with HTTP Basic admin:<admin token>; the others with ?token=. */
  adminToken?: string;
  token?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One request to obmd (OBMD README.md): admin calls with Basic admin:<admin token>, user calls
 * with `?token=`. obmd answers 404 for an unknown node or a wrong admin token, 401 for a wrong
 * node token, 400 for a bad boot device.
 */
export async function obmdRequest(call: ObmdCall): Promise<Response> {
  const url = new URL(`${checkObmdUri(call.uri).href.replace(/\/$/, '')}/${call.op}`);
  if (call.token) url.searchParams.set('token', call.token);
  const headers: Record<string, string> = {};
  if (call.adminToken !== undefined) headers.authorization = `Basic ${Buffer.from(`admin:${call.adminToken}`).toString('base64')}`;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  driverLog().debug({ obmd: url.origin, method: call.method, op: call.op }, `obmd: ${call.method} ${call.op} for ${call.host}`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: call.method,
      headers,
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      signal: call.signal ?? AbortSignal.timeout(call.timeoutMs ?? 20_000),
    });
  } catch (err) {
    throw new BmcUnreachable(call.host, `obmd at ${url.origin}: ${(err as Error).message}`);
  }
  if (response.ok) return response;
  await response.body?.cancel();
  if (response.status === 401) throw new BmcAuthFailed(call.host);
  if (response.status === 404) throw new BmcCommandFailed(call.host, `obmd does not know this node, or refused its admin token (404 on ${call.op})`);
  throw new BmcCommandFailed(call.host, `obmd answered ${response.status} to ${call.op}`);
}

/** A fresh node token (HIL's enable_obm); obmd invalidates the node's previous token. */
export async function obmdNewToken(host: string, uri: string, adminToken: string): Promise<string> {
  const response = await obmdRequest({ host, uri, method: 'POST', op: 'token', adminToken });
  const body = (await response.json()) as { token?: unknown };
  if (typeof body.token !== 'string' || !/^[0-9a-f]{32}$/.test(body.token)) throw new BmcCommandFailed(host, 'obmd answered no token');
  return body.token;
}

/** Invalidates the node's token (HIL's disable_obm); a no-op when it has none. */
export async function obmdDropToken(host: string, uri: string, adminToken: string): Promise<void> {
  await obmdRequest({ host, uri, method: 'DELETE', op: 'token', adminToken });
}
