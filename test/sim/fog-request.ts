/**
 * A bare HTTP client for checking the FOG simulator: node:http, because FOG
 * filters GET lists by a JSON *body*, which fetch() refuses to send.
 */
import { request } from 'node:http';
import type { FogSimulator } from '../../sim/fog/fog-sim';

export type FogAuth = 'tokens' | 'none' | { apiToken?: string; userToken?: string; basic?: [string, string] };

export interface FogHttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: unknown;
}

export function fogRequest(
  sim: FogSimulator,
  method: string,
  path: string,
  options: { body?: unknown; auth?: FogAuth; timeoutMs?: number } = {},
): Promise<FogHttpAnswer> {
  const auth = options.auth ?? 'tokens';
  const headers: Record<string, string> = {};
  if (auth === 'tokens') {
    headers['fog-api-token'] = sim.credentials.apiToken;
    headers['fog-user-token'] = sim.credentials.userToken;
  } else if (auth !== 'none') {
    if (auth.apiToken !== undefined) headers['fog-api-token'] = auth.apiToken;
    if (auth.userToken !== undefined) headers['fog-user-token'] = auth.userToken;
    if (auth.basic) headers.authorization = `Basic ${Buffer.from(auth.basic.join(':')).toString('base64')}`;
  }
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    // node:http does not frame a GET body on its own.
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const url = new URL(sim.url.replace(/\/fog$/, '') + path);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: options.timeoutMs ?? 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text) as unknown;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}
