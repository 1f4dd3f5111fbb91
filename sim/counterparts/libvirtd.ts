/**
 * A real session libvirtd for tests and the simulated lab, with its own HOME and
 * XDG_RUNTIME_DIR in a temp directory. As root it runs as `nobody` (libvirtd run
 * by root would be the system daemon, with system paths). libvirt's test driver
 * forgets everything when its last connection closes, so a virsh is kept
 * connected for the daemon's lifetime. Stopped by pid.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const NOBODY = 65534;

export interface Libvirtd {
  /** libvirt's test hypervisor behind this daemon; state lives as long as the daemon. */
  testUri: string;
  /** The daemon's own QEMU session driver (TCG only here, no privileged networking). */
  qemuUri: string;
  socket: string;
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

async function untilAnswers(child: ChildProcess, socket: string, uri: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`libvirtd exited: ${stderr()}`);
    if (existsSync(socket)) {
      try {
        await run('virsh', ['-q', '-c', uri, 'version'], { timeout: 5000 });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
    if (Date.now() > deadline) throw new Error(`libvirtd did not open ${socket}: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves once the interactive virsh has answered a command, i.e. its connection is open. */
function holdsConnection(holder: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error('the virsh holding the test driver open did not answer')), 10_000);
    holder.once('exit', () => reject(new Error('the virsh holding the test driver open exited')));
    holder.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('test+unix://')) {
        clearTimeout(timer);
        resolve();
      }
    });
    holder.stdin?.write('uri\n');
  });
}

export async function startLibvirtd(): Promise<Libvirtd> {
  const dir = await mkdtemp(join(tmpdir(), 'laas-libvirtd-'));
  const home = join(dir, 'home');
  const runtime = join(dir, 'run');
  await mkdir(home);
  await mkdir(runtime, { mode: 0o700 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    for (const path of [dir, home, runtime]) await chown(path, NOBODY, NOBODY);
  }
  const socket = join(runtime, 'libvirt', 'libvirt-sock');
  const testUri = `test+unix:///default?socket=${socket}`;
  const qemuUri = `qemu+unix:///session?socket=${socket}`;

  const env = {
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
  };
  const daemon = spawn('libvirtd', [], { env, stdio: ['ignore', 'ignore', 'pipe'], ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}) });
  let stderr = '';
  daemon.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let holder: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (holder) {
      holder.stdin?.end();
      await stopChild(holder);
    }
    await stopChild(daemon);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await untilAnswers(daemon, socket, testUri, () => stderr);
    // An interactive virsh waiting on stdin holds the test driver's state open.
    holder = spawn('virsh', ['-q', '-c', testUri], { stdio: ['pipe', 'pipe', 'ignore'] });
    await holdsConnection(holder);
  } catch (err) {
    await stop();
    throw err;
  }
  return { testUri, qemuUri, socket, dir, pid: daemon.pid ?? 0, stop };
}
