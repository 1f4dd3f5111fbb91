/**
 * A real BMC for tests and the simulated lab: OpenIPMI's ipmi_sim answering IPMI
 * v2 (lanplus) on a free loopback UDP port, with a chassis_control script that
 * keeps the host's power and boot device in files and appends every chassis call
 * ipmi_sim makes to chassis.log, so a test can assert the exact sequence a driver
 * caused. One simulator = one BMC = one host. Stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BmcTarget, PowerState } from '../../drivers/power/power';
import { startSerialPort, type SerialPort } from './serial-port';

export interface IpmiSimOptions {
  /** BMC user with admin rights; default "admin". */
  username?: string;
  /** That user's password; default a random one. At most 20 characters (IPMI v2). */
  password?: string;
  /** Power state the host starts in; default off. */
  power?: PowerState;
  /** Give the BMC a serial port for serial-over-LAN: a TCP server here that ipmi_sim connects to. */
  serial?: boolean;
}

export interface IpmiSim {
  address: string;
  port: number;
  username: string;
  password: string;
  pid: number;
  /** Temp directory holding lan.conf, the chassis script, its state files and chassis.log. */
  dir: string;
  /** How a driver reaches this BMC, for the named host. */
  target(host: string): BmcTarget;
  /** Every chassis call ipmi_sim made, oldest first, e.g. "get power", "set power 1", "set boot pxe". */
  chassisCalls(): Promise<string[]>;
  /** Only the calls that changed something ("set ..."). */
  chassisChanges(): Promise<string[]>;
  clearCalls(): Promise<void>;
  /** The host's power as the chassis script holds it. */
  power(): Promise<PowerState>;
  /** The boot device as ipmi_sim named it to the script: "pxe", "default" (disk), ... */
  bootDevice(): Promise<string>;
  /** Put the host in a power state behind the BMC's back (someone pressed the button). */
  setPower(state: PowerState): Promise<void>;
  /** The host's serial port (with `serial: true`): what it writes reaches `ipmitool sol activate`. */
  serial: SerialPort | null;
  stop(): Promise<void>;
}

const safeWord = /^[A-Za-z0-9._@-]{1,20}$/;

// POSIX sh run by ipmi_sim: "get power boot" prints "power:1" / "boot:pxe";
// "set power 0", "set boot pxe", "set shutdown 1", "set reset 1" change the files.
const chassisScript = (dir: string): string => `#!/bin/sh
dir='${dir}'
echo "$*" >> "$dir/chassis.log"
op=$1
shift
case $op in
get)
  for p in "$@"; do
    case $p in
      power|boot) printf '%s:%s\\n' "$p" "$(cat "$dir/$p")" ;;
    esac
  done ;;
set)
  while [ $# -ge 2 ]; do
    case $1 in
      power|boot) printf '%s\\n' "$2" > "$dir/$1" ;;
      # The simulated OS obeys an ACPI shutdown at once.
      shutdown) if [ "$2" = 1 ]; then echo 0 > "$dir/power"; fi ;;
    esac
    shift 2
  done ;;
esac
exit 0
`;

const lanConf = (dir: string, port: number, username: string, password: string, serialPort: number | null): string => `name "laas-bmc"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 ${port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "${join(dir, 'chassis.sh')}"
${serialPort === null ? '' : `  sol "tcp:127.0.0.1:${serialPort}" 115200\n`}  user 2 true "${username}" "${password}" admin 10 none md2 md5 straight
`;

const emulatorCommands = `mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
`;

/** A UDP port the kernel just handed out on 127.0.0.1; the launcher retries if ipmi_sim loses it in a race. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

async function udpPortBound(port: number): Promise<boolean> {
  const table = await readFile('/proc/net/udp', 'utf8');
  const needle = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return table.split('\n').some((line) => line.trim().split(/\s+/)[1] === needle);
}

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || hasExited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && !hasExited(child)) process.kill(child.pid, 'SIGKILL');
  }, 3000);
  await gone;
  clearTimeout(timer);
}

async function waitUntilListening(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await udpPortBound(port))) {
    if (hasExited(child)) throw new Error(`ipmi_sim exited before listening on udp/${port}: ${output()}`);
    if (Date.now() > deadline) throw new Error(`ipmi_sim did not listen on udp/${port} within 5 s: ${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startIpmiSim(options: IpmiSimOptions = {}): Promise<IpmiSim> {
  const username = options.username ?? 'admin';
  const password = options.password ?? randomBytes(9).toString('base64url');
  // Both land inside double quotes in lan.conf.
  if (!safeWord.test(username)) throw new Error(`ipmi_sim user name ${JSON.stringify(username)} must match ${String(safeWord)}`);
  if (!safeWord.test(password)) throw new Error(`ipmi_sim password must be 1 to 20 letters, digits or ._@-`);

  const dir = await mkdtemp(join(tmpdir(), 'laas-ipmi-'));
  const serial = options.serial ? await startSerialPort() : null;
  const state = join(dir, 'state');
  await mkdir(state);
  await writeFile(join(dir, 'chassis.sh'), chassisScript(dir), { mode: 0o700 });
  await writeFile(join(dir, 'power'), options.power === 'on' ? '1\n' : '0\n');
  await writeFile(join(dir, 'boot'), 'default\n');
  await writeFile(join(dir, 'chassis.log'), '');
  await writeFile(join(dir, 'bmc.emu'), emulatorCommands);

  const readLines = async (): Promise<string[]> =>
    (await readFile(join(dir, 'chassis.log'), 'utf8')).split('\n').filter((l) => l !== '');

  for (let attempt = 1; ; attempt++) {
    const port = await freeUdpPort();
    const conf = join(dir, 'lan.conf');
    await writeFile(conf, lanConf(dir, port, username, password, serial?.port ?? null), { mode: 0o600 });
    // -n: no console on stdin, so the pid we hold is the simulator itself, running until we stop it.
    const child = spawn('ipmi_sim', ['-c', conf, '-f', join(dir, 'bmc.emu'), '-s', state, '-n'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    try {
      await waitUntilListening(child, port, () => output);
    } catch (err) {
      await stopChild(child);
      if (attempt < 3) continue;
      await rm(dir, { recursive: true, force: true });
      await serial?.close();
      throw err;
    }
    return {
      address: '127.0.0.1',
      port,
      username,
      password,
      pid: child.pid ?? 0,
      dir,
      target: (host) => ({ host, address: '127.0.0.1', port, username, password }),
      chassisCalls: readLines,
      chassisChanges: async () => (await readLines()).filter((l) => l.startsWith('set ')),
      clearCalls: () => writeFile(join(dir, 'chassis.log'), ''),
      power: async () => ((await readFile(join(dir, 'power'), 'utf8')).trim() === '1' ? 'on' : 'off'),
      bootDevice: async () => (await readFile(join(dir, 'boot'), 'utf8')).trim(),
      setPower: (s) => writeFile(join(dir, 'power'), s === 'on' ? '1\n' : '0\n'),
      serial,
      stop: async () => {
        await stopChild(child);
        await serial?.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
