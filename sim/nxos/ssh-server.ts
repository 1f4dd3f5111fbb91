import { timingSafeEqual, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';

// ssh2 is CommonJS: its classes come through the default export under Node's ESM loader.
const { Server, utils } = ssh2;
import type { SimCli } from './state';
import { ed25519KeyPair } from '../../drivers/host/key-pair';

export interface SwitchSshOptions {
  /** A new CLI for every shell, all on the same switch state. */
  newCli: () => SimCli;
  /** Every line typed into any shell is appended here. */
  received: string[];
  username: string;
  password: string;
  port?: number;
}

export interface RunningSwitchSsh {
  port: number;
  /** "SHA256:..." of the host key generated at start, for the driver's hostKeySha256 option. */
  hostKeySha256: string;
  close(): Promise<void>;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A switch's SSH CLI on loopback: password login, a pty and a shell that prompts per mode. */
export async function startSwitchSsh(options: SwitchSshOptions): Promise<RunningSwitchSsh> {
  const keys = ed25519KeyPair();
  const parsed = utils.parseKey(keys.public);
  if (parsed instanceof Error) throw parsed;
  const hostKeySha256 = `SHA256:${createHash('sha256').update(parsed.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
  const clients = new Set<Connection>();

  const server = new Server({ hostKeys: [keys.private] }, (client) => {
    clients.add(client);
    (client as Connection & { setNoDelay(on: boolean): void }).setNoDelay(true);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === options.username && sameSecret(ctx.password, options.password)) ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (ok) => ok());
        session.on('window-change', (ok) => ok?.());
        session.on('env', (ok) => ok?.());
        // The CLI is interactive only, like the switches this stands for.
        session.on('exec', (_ok, reject) => reject());
        session.on('shell', (ok) => runShell(ok(), options.newCli(), options.received));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hostKeySha256,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}

function runShell(stream: ServerChannel, cli: SimCli, received: string[]): void {
  let pending = '';
  let lastWasCr = false;
  stream.write(`${cli.banner}\r\n${cli.prompt()}`);
  stream.on('data', (data: Buffer) => {
    for (const ch of data.toString('utf8')) {
      if (ch === '\n' && lastWasCr) {
        lastWasCr = false;
        continue;
      }
      lastWasCr = ch === '\r';
      if (ch !== '\r' && ch !== '\n') {
        pending += ch;
        continue;
      }
      const line = pending;
      pending = '';
      // The terminal echoes the line as typed, then the switch answers and prompts.
      stream.write(`${line}\r\n`);
      if (line.trim() !== '') received.push(line);
      const { output, close } = cli.execute(line);
      if (close) {
        stream.exit(0);
        stream.end();
        return;
      }
      stream.write(output ? `${output.replace(/\n/g, '\r\n')}\r\n${cli.prompt()}` : cli.prompt());
    }
  });
}
