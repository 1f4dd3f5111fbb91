import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basicAuthorized } from '../rest-switch/http';
import { NxosCli } from './nxos-cli';
import type { SimSwitchState } from './state';

export interface NxapiOptions {
  state: SimSwitchState;
  username: string;
  password: string;
  port?: number;
}

export interface RunningNxapi {
  port: number;
  close(): Promise<void>;
}

interface CommandResult {
  input: string;
  code: string;
  msg: string;
  body?: unknown;
  clierror?: string;
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * NX-API on loopback: `POST /ins`, Basic auth, `cli_conf` (configuration
 * commands joined by ";", stopping at the first error) and `cli_show_ascii`.
 * Runs on the same state as the SSH CLI.
 */
export async function startNxapi(options: NxapiOptions): Promise<RunningNxapi> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1_000_000) chunks.push(c);
    });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/ins') return reply(res, 404, { error: 'not found' });
      if (!basicAuthorized(req, options.username, options.password)) {
        return reply(res, 401, { error: 'authentication failed' }, { 'www-authenticate': 'Basic realm="nxapi"' });
      }
      let request: { ins_api?: { type?: unknown; input?: unknown } };
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof request;
      } catch {
        return reply(res, 400, { error: 'request body is not JSON' });
      }
      const type = request.ins_api?.type;
      const input = request.ins_api?.input;
      if ((type !== 'cli_conf' && type !== 'cli_show_ascii') || typeof input !== 'string') {
        return reply(res, 400, { ins_api: { outputs: { output: { code: '400', msg: 'Input type or input missing or not supported' } } } });
      }
      const results = run(options.state, type, input);
      reply(res, 200, { ins_api: { type, version: '1.0', sid: 'eoc', outputs: { output: results.length === 1 ? results[0] : results } } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function run(state: SimSwitchState, type: 'cli_conf' | 'cli_show_ascii', input: string): CommandResult[] {
  const cli = new NxosCli(state, type === 'cli_conf' ? 'config' : 'exec');
  const results: CommandResult[] = [];
  for (const command of input.split(';').map((c) => c.trim()).filter(Boolean)) {
    state.received.push(command);
    const { output } = cli.execute(command);
    if (output.startsWith('% ')) {
      // Like the switch, stop at the first error: later commands were meant for a state that did not come about.
      results.push({ input: command, code: '400', msg: 'CLI execution error', clierror: `${output}\n` });
      break;
    }
    results.push({ input: command, code: '200', msg: 'Success', body: type === 'cli_conf' ? {} : output });
  }
  return results;
}
