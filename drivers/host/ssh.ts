import { driverLog } from '../../config/driver-log';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidInput } from '../errors';
import { HostCommandFailed, HostCommandTimedOut, HostUnreachable, type ExecResult, type HostDriver, type HostTarget } from './host';
import { checkHostname, checkOwner, checkPath } from './command-line';
import { runCommand } from './ssh-exec';
import { withSession, type FirstContact, type HostSession } from './ssh-session';
import { readFileOrNull, removeFileIfPresent, writeFileAtomically } from './sftp-files';

export interface SshHostDriverOptions {
  /**
   * Receives the host key of a target that has none pinned (see FirstContact). Required:
   * an unpinned host is never accepted without someone recording its key.
   */
  onFirstContact: FirstContact;
  /** Longest wait for TCP connect + SSH handshake + authentication. */
  connectTimeoutMs?: number;
  /** Default limit for one command. */
  commandTimeoutMs?: number;
  /** First pause between reachability checks after a reboot; doubles up to maxRebootPollMs. */
  firstRebootPollMs?: number;
  maxRebootPollMs?: number;
}

const BOOT_ID = '/proc/sys/kernel/random/boot_id';
/** Exit status of the hostname script when the host has no running systemd (see setHostname). */
const NO_HOSTNAMECTL = 200;
const SET_HOSTNAME_SCRIPT = `if [ -d /run/systemd/system ] && command -v hostnamectl >/dev/null 2>&1; then exec hostnamectl set-hostname "$1"; fi; exit ${NO_HOSTNAMECTL}`;

/** Host driver over SSH (OpenSSH on the far side): commands over exec, files over SFTP. */
export class SshHostDriver implements HostDriver {
  readonly kind = 'ssh';
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly firstPollMs: number;
  private readonly maxPollMs: number;

  constructor(private readonly options: SshHostDriverOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 120_000;
    this.firstPollMs = options.firstRebootPollMs ?? 1_000;
    this.maxPollMs = options.maxRebootPollMs ?? 15_000;
  }

  private session<T>(host: HostTarget, work: (s: HostSession) => Promise<T>, connectTimeoutMs = this.connectTimeoutMs): Promise<T> {
    return withSession(host, { connectTimeoutMs, onFirstContact: this.options.onFirstContact }, work);
  }

  async exec(host: HostTarget, argv: string[], options: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
    return this.session(host, (s) => runCommand(s, argv, { timeoutMs, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) }));
  }

  async writeFile(host: HostTarget, path: string, content: string, options: { mode: number; owner?: string }): Promise<void> {
    checkPath(path);
    checkMode(options.mode);
    if (options.owner !== undefined) checkOwner(options.owner);
    driverLog().debug({ address: `${host.address}:${host.port}`, path, mode: options.mode.toString(8), bytes: Buffer.byteLength(content) }, `ssh: writing ${path} on ${host.name}`);
    await this.session(host, (s) => writeFileAtomically(s, path, content, { ...options, timeoutMs: this.commandTimeoutMs }));
  }

  async readFile(host: HostTarget, path: string): Promise<string | null> {
    checkPath(path);
    return this.session(host, (s) => readFileOrNull(s, path));
  }

  async removeFile(host: HostTarget, path: string): Promise<void> {
    checkPath(path);
    await this.session(host, (s) => removeFileIfPresent(s, path));
  }

  /**
   * hostnamectl where systemd runs (it updates the kernel name and /etc/hostname together);
   * elsewhere, as on a minimal host, /etc/hostname (read at boot) plus `hostname` for now.
   */
  async setHostname(host: HostTarget, hostname: string): Promise<void> {
    checkHostname(hostname);
    await this.session(host, async (s) => {
      const timeoutMs = this.commandTimeoutMs;
      try {
        await runCommand(s, ['sh', '-c', SET_HOSTNAME_SCRIPT, 'sh', hostname], { timeoutMs });
        return;
      } catch (err) {
        if (!(err instanceof HostCommandFailed) || err.details.code !== NO_HOSTNAMECTL) throw err;
      }
      await writeFileAtomically(s, '/etc/hostname', `${hostname}\n`, { mode: 0o644, timeoutMs });
      await runCommand(s, ['hostname', hostname], { timeoutMs });
    });
  }

  /**
   * Reboots, then checks with growing pauses until the host answers with a new boot id
   * (so a host that has not gone down yet is not mistaken for one that came back).
   */
  async reboot(host: HostTarget, options: { timeoutMs: number; onWait?: (elapsedMs: number) => void }): Promise<void> {
    const started = Date.now();
    const elapsed = (): number => Date.now() - started;
    driverLog().debug({ address: `${host.address}:${host.port}`, timeoutMs: options.timeoutMs }, `ssh: rebooting ${host.name}`);
    const bootBefore = await this.session(host, async (s) => {
      const before = await readBootId(s, this.commandTimeoutMs);
      try {
        await runCommand(s, ['reboot'], { timeoutMs: Math.min(this.commandTimeoutMs, 30_000) });
      } catch (err) {
        // The connection dropping (or hanging) under the command is the reboot happening.
        if (!(err instanceof HostUnreachable) && !(err instanceof HostCommandTimedOut)) throw err;
      }
      return before;
    });

    let pause = this.firstPollMs;
    let sawDown = false;
    for (;;) {
      const left = options.timeoutMs - elapsed();
      if (left <= 0) {
        const why = sawDown ? 'it went down and did not answer again' : 'it never went down (same boot id)';
        throw new HostUnreachable(host.name, `not back within ${options.timeoutMs} ms of reboot: ${why}`);
      }
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, this.maxPollMs);
      options.onWait?.(elapsed());
      driverLog().debug({ address: `${host.address}:${host.port}`, waitedMs: elapsed() }, `ssh: ${host.name} not back yet after ${Math.round(elapsed() / 1000)} s`);
      try {
        const connectTimeoutMs = Math.max(1, Math.min(this.connectTimeoutMs, options.timeoutMs - elapsed()));
        const bootNow = await this.session(host, (s) => readBootId(s, Math.min(this.commandTimeoutMs, left)), connectTimeoutMs);
        if (bootBefore !== null ? bootNow !== bootBefore : sawDown) return;
      } catch (err) {
        // Still booting. A refused key or a changed host key is not going to fix itself.
        if (err instanceof HostCommandTimedOut) continue;
        if (!(err instanceof HostUnreachable)) throw err;
        sawDown = true;
      }
    }
  }
}

/** The kernel's per-boot random id; null where there is none (then a seen outage has to do). */
async function readBootId(s: HostSession, timeoutMs: number): Promise<string | null> {
  try {
    const { stdout } = await runCommand(s, ['cat', BOOT_ID], { timeoutMs });
    return stdout.trim() || null;
  } catch (err) {
    if (err instanceof HostCommandFailed) return null;
    throw err;
  }
}

function checkMode(mode: number): void {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new InvalidInput('file mode', String(mode), 'must be a whole number from 0 to 0o7777');
  }
}
