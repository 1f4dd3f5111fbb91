import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../workflows/definitions';

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The `temporal` binary, built or found by scripts/temporal-cli.sh. */
export function temporalCli(root: string): string {
  return execFileSync('bash', [`${root}/scripts/temporal-cli.sh`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/**
 * Server settings every dev server of laas runs with (npm start, the tests, the benchmarks), as
 * docs/deployment.md recommends for a production server: eager activity dispatch, so an activity a
 * workflow task schedules goes back to the worker with that task's answer instead of waiting in
 * the task queue for a poll (each step of a host starts one round trip sooner).
 */
export const LAAS_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  'system.enableActivityEagerExecution': true,
};

/**
 * Start `temporal server start-dev` with laas's search attributes and wait until its frontend
 * answers. `dbFile` keeps state across restarts (SQLite); without it the server is in memory.
 */
export async function startDevServer(options: {
  cli: string;
  port: number;
  uiPort?: number;
  dbFile?: string;
  /** The API's /codec endpoint, so the UI shows encrypted payloads in clear. */
  uiCodecEndpoint?: string;
  log?: 'inherit' | 'ignore';
  /** Server dynamic configuration (`--dynamic-config-value key=value`) over LAAS_DYNAMIC_CONFIG. */
  dynamicConfig?: Record<string, string | number | boolean>;
}): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries({ ...LAAS_DYNAMIC_CONFIG, ...options.dynamicConfig })) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  const child = spawn(options.cli, args, { stdio: ['ignore', options.log ?? 'ignore', options.log ?? 'ignore'], detached: false });
  const address = `127.0.0.1:${options.port}`;
  let exited = null as number | null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`temporal server start-dev exited with ${exited}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        // The namespace answers once the server has finished registering it.
        await connection.workflowService.describeNamespace({ namespace: 'default' });
      } finally {
        await connection.close();
      }
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new Error(`Temporal dev server on ${address} not ready after 60 s: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : null,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
