/**
 * obmd (CCI-MOC/obmd, README.md) for tests and the simulated lab: the admin API (register and
 * delete nodes, get and invalidate a node's token, Basic admin:<admin token>, 404 when that does
 * not match) and the token API (power, boot device, power status, console stream). Its `ipmi`
 * nodes are driven with the real ipmitool, so behind it sits a real BMC (ipmi_sim). One addition
 * for loopback BMCs on other ports than 623: `info.addr` may be `host:port`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openSol } from '../../drivers/console/sol';
import type { ConsoleStream } from '../../drivers/console/source';
import { IpmitoolPower } from '../../drivers/power/ipmitool';
import type { BmcTarget } from '../../drivers/power/power';

interface ObmdNode {
  bmc: BmcTarget;
  token: string | null;
  viewer: { res: ServerResponse; stream: ConsoleStream } | null;
}

export interface ObmdSim {
  url: string;
  adminToken: string;
  /** The node's URL on this obmd, as HIL's `obmd.uri`. */
  nodeUri(id: string): string;
  /** Every request, as "METHOD /path" (no query: tokens stay out). */
  requests: string[];
  stop(): Promise<void>;
}

const HEX32 = /^[0-9a-f]{32}$/;

function sameToken(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
}

function bmcOf(id: string, body: unknown): BmcTarget | null {
  const b = body as { type?: unknown; info?: { addr?: unknown; user?: unknown; pass?: unknown } } | null;
  if (b?.type !== 'ipmi' || typeof b.info?.addr !== 'string' || typeof b.info.user !== 'string' || typeof b.info.pass !== 'string') return null;
  const [address, port] = b.info.addr.split(':');
  return { host: id, address: address ?? '', port: port ? Number(port) : 623, username: b.info.user, password: b.info.pass };
}

export async function startObmdSim(options: { ipmitool?: IpmitoolPower } = {}): Promise<ObmdSim> {
  const adminToken = randomBytes(16).toString('hex');
  const power = options.ipmitool ?? new IpmitoolPower({ timeoutMs: 15_000 });
  const nodes = new Map<string, ObmdNode>();
  const requests: string[] = [];

  const closeViewer = async (node: ObmdNode) => {
    const viewer = node.viewer;
    node.viewer = null;
    if (!viewer) return;
    viewer.res.end();
    await viewer.stream.stop();
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://obmd');
    requests.push(`${req.method} ${url.pathname}`);
    const m = /^\/node\/([^/]+)(?:\/([a-z_]+))?$/.exec(url.pathname);
    if (!m) return void res.writeHead(404).end();
    const [, id = '', op] = m;
    const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, pass] = auth ? Buffer.from(auth, 'base64').toString().split(':') : [];
    const admin = user === 'admin' && typeof pass === 'string' && sameToken(pass, adminToken);
    const node = nodes.get(id);
    const adminRoute = (op === undefined && (req.method === 'PUT' || req.method === 'DELETE')) || op === 'token';
    if (adminRoute) {
      // obmd's admin router matches only with the admin token: anything else is "not found".
      if (!admin) return void res.writeHead(404).end();
      if (op === undefined && req.method === 'PUT') {
        const bmc = bmcOf(id, await readJson(req).catch(() => null));
        if (!bmc) return void res.writeHead(400).end();
        if (node) return void res.writeHead(409).end();
        nodes.set(id, { bmc, token: null, viewer: null });
        return void res.writeHead(200).end();
      }
      if (!node) return void res.writeHead(404).end();
      if (op === undefined) {
        await closeViewer(node);
        nodes.delete(id);
        return void res.writeHead(200).end();
      }
      await closeViewer(node);
      node.token = req.method === 'POST' ? randomBytes(16).toString('hex') : null;
      if (req.method === 'POST') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: node.token }));
      return void res.writeHead(200).end();
    }
    const token = url.searchParams.get('token') ?? '';
    if (!node) return void res.writeHead(404).end();
    if (!HEX32.test(token) || !node.token || !sameToken(token, node.token)) return void res.writeHead(401).end();
    try {
      if (req.method === 'POST' && op === 'power_on') await power.on(node.bmc);
      else if (req.method === 'POST' && op === 'power_off') await power.off(node.bmc);
      else if (req.method === 'POST' && op === 'power_cycle') {
        const body = (await readJson(req).catch(() => undefined)) as { force?: unknown } | undefined;
        if (typeof body !== 'object' || body === null) return void res.writeHead(400).end();
        await power.cycle(node.bmc);
      } else if (req.method === 'PUT' && op === 'boot_device') {
        const body = (await readJson(req).catch(() => undefined)) as { bootdev?: unknown } | undefined;
        if (body?.bootdev !== 'pxe' && body?.bootdev !== 'disk' && body?.bootdev !== 'none') return void res.writeHead(400).end();
        await power.setBootDevice(node.bmc, body.bootdev === 'pxe' ? 'pxe' : 'disk', { persistent: true });
      } else if (req.method === 'GET' && op === 'power_status') {
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ power_status: await power.status(node.bmc) }));
      } else if (req.method === 'GET' && op === 'console') {
        // One viewer at a time: a new one disconnects the old.
        await closeViewer(node);
        const stream = await openSol(node.bmc);
        node.viewer = { res, stream };
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.flushHeaders();
        stream.onData((chunk) => res.write(chunk));
        stream.onEnd(() => res.end());
        req.on('close', () => void (node.viewer?.res === res ? closeViewer(node) : undefined));
        return;
      } else return void res.writeHead(404).end();
      res.writeHead(200).end();
    } catch {
      res.writeHead(500).end();
    }
  }

  const server = createServer((req, res) => void handle(req, res).catch(() => res.headersSent || res.writeHead(500).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    adminToken,
    nodeUri: (id) => `${url}/node/${id}`,
    requests,
    async stop() {
      await Promise.all([...nodes.values()].map(closeViewer));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
