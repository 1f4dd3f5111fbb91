/**
 * A real OpenSSH sshd playing one lab host, for tests and the simulated lab.
 *
 * It runs inside its own mount, UTS and PID namespaces so the host driver can do what it
 * does to a real host without touching this machine: /etc is an overlay (so /etc/hostname
 * can be rewritten), /root is a directory of the box, the host name is the box's own, and
 * `reboot` is a script that stops sshd, cuts every session and brings sshd back with a
 * new boot id after a delay. Everything lives in one temp directory; stop() kills the box
 * by its process group id.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SshdOptions {
  /** Host name the box starts with; default laas-box. */
  hostname?: string;
  /** How long a reboot keeps sshd down; default 300 ms. */
  rebootDelayMs?: number;
}

export interface SshdBox {
  address: string;
  port: number;
  /** The login user (root: the lab logs in to its hosts as root). */
  user: string;
  /** OpenSSH private key allowed to log in as user. */
  privateKey: string;
  publicKey: string;
  /** The box's host key, "ssh-ed25519 AAAA...", to pin. */
  hostKey: string;
  dir: string;
  /** The box's /root as seen from outside. */
  home: string;
  /** Where the box's changes to /etc land (e.g. hostname), as seen from outside. */
  etcChanges: string;
  /** A directory the box and the test share at the same path. */
  scratch: string;
  /** Process group (and pid of `unshare`) of the box. */
  pid: number;
  stop(): Promise<void>;
}

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

/** A fresh ed25519 key pair made by ssh-keygen (OpenSSH format, no passphrase). */
export async function generateKeyPair(dir: string, name: string): Promise<KeyPair> {
  const file = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return { privateKey: await readFile(file, 'utf8'), publicKey: (await readFile(`${file}.pub`, 'utf8')).trim() };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True once something on the port greets like an SSH server. */
function sshGreets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('latin1').startsWith('SSH-')));
  });
}

const sshdConfig = (dir: string, port: number): string => `
Port ${port}
ListenAddress 127.0.0.1
HostKey ${dir}/hostkey
PidFile ${dir}/sshd.pid
AuthorizedKeysFile ${dir}/authkeys/%u .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
StrictModes no
Subsystem sftp internal-sftp
`;

// PID 1 of the box. Loops sshd so that "reboot" can bring it back like a host coming up.
const boxScript = (dir: string, delaySeconds: string): string => `
set -eu
mount -t overlay laas-box-etc -o lowerdir=/etc,upperdir=${dir}/etc/upper,workdir=${dir}/etc/work /etc
mount -t overlay laas-box-sbin -o lowerdir=/usr/sbin,upperdir=${dir}/sbin/upper,workdir=${dir}/sbin/work /usr/sbin
mount --bind ${dir}/root /root
mount --bind ${dir}/boot_id /proc/sys/kernel/random/boot_id
mkdir -p /run/sshd
while :; do
  hostname "$(cat /etc/hostname)"
  rm -f ${dir}/reboot-requested
  /usr/sbin/sshd -D -e -f ${dir}/sshd_config 2>>${dir}/sshd.log &
  wait $! || true
  [ -e ${dir}/reboot-requested ] || exit 0
  # Only this PID namespace: the sessions a reboot cuts off.
  kill -KILL -1 2>/dev/null || true
  sleep ${delaySeconds}
  cat /proc/sys/kernel/random/uuid > ${dir}/boot_id
done
`;

const rebootScript = (dir: string): string => `#!/bin/sh
# The box's reboot: sshd stops, the box cuts every session and starts sshd again.
touch ${dir}/reboot-requested
kill -TERM "$(cat ${dir}/sshd.pid)"
`;

async function prepare(dir: string, options: SshdOptions): Promise<{ client: KeyPair; hostKey: string }> {
  for (const sub of ['etc/upper', 'etc/work', 'sbin/upper', 'sbin/work', 'root', 'authkeys', 'scratch']) {
    await mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
  }
  const host = await generateKeyPair(dir, 'hostkey');
  const client = await generateKeyPair(dir, 'client');
  await writeFile(join(dir, 'authkeys', 'root'), `${client.publicKey}\n`, { mode: 0o600 });
  await writeFile(join(dir, 'etc/upper/hostname'), `${options.hostname ?? 'laas-box'}\n`);
  await writeFile(join(dir, 'sbin/upper/reboot'), rebootScript(dir), { mode: 0o755 });
  await writeFile(join(dir, 'boot_id'), `${(await readFile('/proc/sys/kernel/random/uuid', 'utf8')).trim()}\n`);
  const delay = ((options.rebootDelayMs ?? 300) / 1000).toFixed(3);
  await writeFile(join(dir, 'box.sh'), boxScript(dir, delay));
  return { client, hostKey: host.publicKey.split(' ').slice(0, 2).join(' ') };
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

async function killBox(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  // SIGKILL to the group takes down unshare and the box's PID 1, and with it the whole namespace.
  process.kill(-child.pid, 'SIGKILL');
  await gone;
}

export async function startSshd(options: SshdOptions = {}): Promise<SshdBox> {
  const dir = await mkdtemp(join(tmpdir(), 'laas-sshd-'));
  if (!/^[A-Za-z0-9/._-]+$/.test(dir)) throw new Error(`temp directory ${dir} has characters the box script cannot take`);
  const { client, hostKey } = await prepare(dir, options);

  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    await writeFile(join(dir, 'sshd_config'), sshdConfig(dir, port));
    const child = spawn(
      'unshare',
      ['--mount', '--uts', '--pid', '--fork', '--mount-proc', '--propagation', 'private', 'sh', join(dir, 'box.sh')],
      { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const deadline = Date.now() + 10_000;
    let ready = false;
    while (!ready && child.exitCode === null && Date.now() < deadline) {
      ready = await sshGreets(port);
      if (!ready) await new Promise((r) => setTimeout(r, 30));
    }
    if (!ready) {
      await killBox(child);
      const log = await readFile(join(dir, 'sshd.log'), 'utf8').catch(() => '');
      if (attempt < 3 && /Address already in use/i.test(log)) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`sshd box did not start: ${stderr} ${log.slice(-2000)}`);
    }
    const pid = child.pid as number;
    return {
      address: '127.0.0.1',
      port,
      user: 'root',
      privateKey: client.privateKey,
      publicKey: client.publicKey,
      hostKey,
      dir,
      home: join(dir, 'root'),
      etcChanges: join(dir, 'etc/upper'),
      scratch: join(dir, 'scratch'),
      pid,
      async stop() {
        await killBox(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
