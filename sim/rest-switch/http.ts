import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RestReply {
  status: number;
  body: string;
}

export interface RestSwitchServer {
  /** `http://127.0.0.1:<port>`: what HIL's `hostname` field holds for these switches. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** HTTP Basic with these credentials, compared in constant time (NX-API and the REST switches). */
export function basicAuthorized(req: IncomingMessage, username: string, password: string): boolean {
  const m = /^Basic (\S+)$/.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return false;
  const given = Buffer.from(Buffer.from(m[1], 'base64').toString('utf8'));
  const expected = Buffer.from(`${username}:${password}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A switch's REST server on loopback: HTTP Basic, XML in and out; `handle` answers each authorized request. */
export async function startRestSwitch(
  credentials: { username: string; password: string },
  handle: (method: string, url: string, body: string) => RestReply,
): Promise<RestSwitchServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = basicAuthorized(req, credentials.username, credentials.password)
        ? handle(req.method ?? 'GET', req.url ?? '/', Buffer.concat(chunks).toString('utf8'))
        : { status: 401, body: '<errors><error><error-message>access denied</error-message></error></errors>' };
      res.writeHead(reply.status, { 'content-type': 'application/xml', ...(reply.status === 401 ? { 'www-authenticate': 'Basic realm="switch"' } : {}) });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The error body both REST servers answer with: the switch's message in `<error-message>`. */
export function restError(status: number, tag: string, message: string): RestReply {
  return { status, body: `<errors><error><error-tag>${tag}</error-tag><error-message>${escapeXml(message)}</error-message></error></errors>` };
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
