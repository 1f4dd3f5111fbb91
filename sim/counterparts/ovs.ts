/**
 * A private Open vSwitch for tests and the simulated lab: ovsdb-server and
 * ovs-vswitchd (userspace datapath) under a temp directory, plus hosts in
 * network namespaces cabled into the bridge by veth pairs.
 *
 * ovs-vswitchd runs inside a network namespace of its own ("the switch"): the
 * userspace datapath creates a device called ovs-netdev, and two switches in
 * one namespace would fight over it. Ports are veth ends inside that namespace.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ed25519KeyPair } from '../../drivers/host/key-pair';

const exec = promisify(execFile);
let instances = 0;

export interface NamespaceHost {
  /** Network namespace holding the host's eth0. */
  namespace: string;
  /** The switch port (OVS port name) the host is cabled to. */
  port: string;
  /** The host's address with prefix, e.g. 10.99.0.1/24. */
  address: string;
}

export interface OpenVswitch {
  dir: string;
  /** For ovs-vsctl --db= and the OVS driver's option `db`. */
  db: string;
  bridge: string;
  /** The network namespace ovs-vswitchd and the ports live in. */
  namespace: string;
  vsctl(...args: string[]): Promise<string>;
  /** A port on the bridge with nothing behind it (a veth pair inside the switch). */
  addPort(port: string): Promise<void>;
  /** A host in its own namespace, cabled to a new bridge port. */
  addHost(name: string, address: string): Promise<NamespaceHost>;
  /** One ping from a host; true when answered. Neighbour caches are flushed first so old answers cannot help. */
  ping(from: NamespaceHost, to: NamespaceHost, waitSeconds?: number): Promise<boolean>;
  stop(): Promise<void>;
}

async function pidOf(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function killAndWait(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
}

export async function startOpenVswitch(bridge = 'br-lab'): Promise<OpenVswitch> {
  const dir = await mkdtemp(join(tmpdir(), 'laas-ovs-'));
  const prefix = `laas-ovs-${process.pid}-${++instances}`;
  const namespace = `${prefix}-sw`;
  const namespaces: string[] = [];
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir, OVS_SYSCONFDIR: dir };
  const db = `unix:${dir}/db.sock`;
  const run = async (cmd: string, args: string[]) => (await exec(cmd, args, { env })).stdout.trim();
  const vsctl = (...args: string[]) => run('ovs-vsctl', ['--timeout=10', `--db=${db}`, ...args]);

  const stop = async () => {
    // A test switch keeps nothing worth a clean shutdown, which takes ovs-vswitchd over a second.
    await killAndWait(await pidOf(join(dir, 'ovs-vswitchd.pid')), 'SIGKILL');
    await killAndWait(await pidOf(join(dir, 'ovsdb-server.pid')));
    // Deleting a namespace deletes the veth ends in it, and with them their peers.
    for (const ns of namespaces.reverse()) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await run('ip', ['netns', 'add', namespace]);
    namespaces.push(namespace);
    await run('ovsdb-tool', ['create', join(dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema']);
    await run('ovsdb-server', [join(dir, 'conf.db'), `--remote=punix:${dir}/db.sock`, `--pidfile=${dir}/ovsdb-server.pid`, '--detach', '--no-chdir', `--log-file=${dir}/ovsdb-server.log`]);
    await vsctl('--no-wait', 'init');
    await run('ip', ['netns', 'exec', namespace, 'ovs-vswitchd', db, `--pidfile=${dir}/ovs-vswitchd.pid`, '--detach', '--no-chdir', `--log-file=${dir}/ovs-vswitchd.log`]);
    await vsctl('add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=netdev');
  } catch (err) {
    await stop();
    throw err;
  }

  let hosts = 0;
  return {
    dir,
    db,
    bridge,
    namespace,
    vsctl,
    async addPort(port) {
      await run('ip', ['-n', namespace, 'link', 'add', port, 'type', 'veth', 'peer', 'name', `${port}x`]);
      await run('ip', ['-n', namespace, 'link', 'set', port, 'up']);
      await vsctl('add-port', bridge, port);
    },
    async addHost(name, address) {
      const hostNs = `${prefix}-${name}`;
      const port = `h${++hosts}`;
      await run('ip', ['netns', 'add', hostNs]);
      namespaces.push(hostNs);
      await run('ip', ['-n', namespace, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', hostNs]);
      await run('ip', ['-n', hostNs, 'addr', 'add', address, 'dev', 'eth0']);
      await run('ip', ['-n', hostNs, 'link', 'set', 'eth0', 'up']);
      await run('ip', ['-n', namespace, 'link', 'set', port, 'up']);
      await vsctl('add-port', bridge, port);
      return { namespace: hostNs, port, address };
    },
    async ping(from, to, waitSeconds = 1) {
      await run('ip', ['-n', from.namespace, 'neigh', 'flush', 'dev', 'eth0']);
      const target = to.address.split('/')[0] ?? '';
      return run('ip', ['netns', 'exec', from.namespace, 'ping', '-c', '1', '-W', String(waitSeconds), target]).then(
        () => true,
        () => false,
      );
    },
    stop,
  };
}

export interface SwitchHostSsh {
  port: number;
  user: string;
  privateKeyFile: string;
  /** Every command line that reached the switch host, in order. */
  commands(): Promise<string[]>;
  stop(): Promise<void>;
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

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (d: Buffer) => done(d.toString('latin1').startsWith('SSH-')));
  });
}

/**
 * The switch host's sshd on loopback (key login as root, generated keys), as
 * the OVS driver reaches a real switch host. Every command is written to a log
 * before it runs, so a test can tell exactly what reached the switch.
 */
export async function startSwitchHostSsh(): Promise<SwitchHostSsh> {
  const dir = await mkdtemp(join(tmpdir(), 'laas-ovs-ssh-'));
  await mkdir(join(dir, 'authkeys'), { mode: 0o700 });
  await mkdir('/run/sshd', { recursive: true });
  const host = ed25519KeyPair();
  const client = ed25519KeyPair();
  await writeFile(join(dir, 'hostkey'), host.private, { mode: 0o600 });
  await writeFile(join(dir, 'client'), client.private, { mode: 0o600 });
  await writeFile(join(dir, 'authkeys', 'root'), `${client.public}\n`, { mode: 0o600 });
  await writeFile(join(dir, 'commands.log'), '');
  await writeFile(join(dir, 'logged.sh'), `#!/bin/sh\nprintf '%s\\n' "$SSH_ORIGINAL_COMMAND" >> '${dir}/commands.log'\neval "$SSH_ORIGINAL_COMMAND"\n`, { mode: 0o755 });
  const port = await freeLoopbackPort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${dir}/hostkey`,
    `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authkeys/%u`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    `ForceCommand ${dir}/logged.sh`,
  ];
  await writeFile(join(dir, 'sshd_config'), `${config.join('\n')}\n`);
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 150 && child.exitCode === null; i++) {
    if (await greets(port)) {
      return {
        port,
        user: 'root',
        privateKeyFile: join(dir, 'client'),
        commands: async () => (await readFile(join(dir, 'commands.log'), 'utf8')).split('\n').filter(Boolean),
        stop,
      };
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  await stop();
  throw new Error('the switch host sshd did not start');
}
