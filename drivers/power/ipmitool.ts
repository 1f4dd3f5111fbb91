import { execFile } from 'node:child_process';
import { driverLog } from '../../config/driver-log';
import { InvalidInput } from '../errors';
import { checkBmcTarget } from './bmc-target';
import { classifyFailure, explain, type IpmitoolRun } from './ipmitool-failure';
import { BmcCommandFailed, type BmcTarget, type BootDevice, type PowerDriver, type PowerState } from './power';

export interface IpmitoolOptions {
  /** The ipmitool binary, a path or a name on PATH. */
  binary?: string;
  /** IPMI v2 cipher suite (-C). 3 is what nearly every BMC accepts; without it ipmitool probes suites for seconds on every call. */
  cipherSuite?: number;
  /** Hard bound on one ipmitool call in ms; the child is killed past it and the BMC reported unreachable. */
  timeoutMs?: number;
  /** ipmitool's own wait for each answer, in seconds (-N). */
  attemptSeconds?: number;
  /** How often ipmitool re-sends an unanswered request (-R). */
  retries?: number;
}

const defaults = { binary: 'ipmitool', cipherSuite: 3, timeoutMs: 20_000, attemptSeconds: 2, retries: 2 };

/** Power and boot device over IPMI v2 (lanplus) with the ipmitool command, one child process per call. */
export class IpmitoolPower implements PowerDriver {
  readonly kind = 'ipmitool';
  private readonly opts: Required<IpmitoolOptions>;

  constructor(options: IpmitoolOptions = {}) {
    this.opts = { ...defaults, ...options };
    const { binary, cipherSuite, timeoutMs, attemptSeconds, retries } = this.opts;
    if (binary === '' || binary.startsWith('-')) throw new InvalidInput('ipmitool binary', binary, 'expected a path or a command name');
    checkInteger('IPMI cipher suite', cipherSuite, 0, 17);
    checkInteger('ipmitool call timeout (ms)', timeoutMs, 100, 600_000);
    checkInteger('ipmitool attempt timeout (s)', attemptSeconds, 1, 60);
    checkInteger('ipmitool retries', retries, 0, 10);
  }

  async status(bmc: BmcTarget): Promise<PowerState> {
    const out = await this.run(bmc, ['chassis', 'power', 'status']);
    const state = /Chassis Power is (on|off)/i.exec(out)?.[1]?.toLowerCase();
    if (state !== 'on' && state !== 'off') {
      throw new BmcCommandFailed(bmc.host, `unexpected answer to power status: ${out.trim().slice(0, 100)}`);
    }
    return state;
  }

  async on(bmc: BmcTarget): Promise<void> {
    await this.run(bmc, ['chassis', 'power', 'on']);
  }

  async off(bmc: BmcTarget): Promise<void> {
    await this.run(bmc, ['chassis', 'power', 'off']);
  }

  async cycle(bmc: BmcTarget): Promise<void> {
    // Real BMCs refuse to cycle a host that is off, so a host found off is simply powered on.
    if ((await this.status(bmc)) === 'off') {
      await this.on(bmc);
      return;
    }
    await this.run(bmc, ['chassis', 'power', 'cycle']);
  }

  async softOff(bmc: BmcTarget): Promise<void> {
    await this.run(bmc, ['chassis', 'power', 'soft']);
  }

  async setBootDevice(bmc: BmcTarget, device: BootDevice, options: { persistent: boolean }): Promise<void> {
    if (device !== 'pxe' && device !== 'disk') {
      throw new InvalidInput('boot device', String(device), 'expected "pxe" or "disk"');
    }
    await this.run(bmc, ['chassis', 'bootdev', device, ...(options.persistent ? ['options=persistent'] : [])]);
  }

  /** One ipmitool call; resolves with its standard output or throws a typed BMC error. */
  private async run(bmc: BmcTarget, command: string[]): Promise<string> {
    checkBmcTarget(bmc);
    const { binary, cipherSuite, timeoutMs, attemptSeconds, retries } = this.opts;
    // -E: the password travels in the child's environment, never on its command line,
    // where any user of the machine could read it. -v makes ipmitool say why a session
    // failed, which is how a wrong password is told from a BMC that does not answer.
    const args = [
      '-v', '-I', 'lanplus', '-C', String(cipherSuite),
      '-H', bmc.address, '-p', String(bmc.port), '-U', bmc.username, '-E',
      '-N', String(attemptSeconds), '-R', String(retries),
      ...command,
    ];
    const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', IPMI_PASSWORD: bmc.password };
    const log = driverLog();
    log.debug({ bmc: `${bmc.address}:${bmc.port}`, user: bmc.username, command: command.join(' ') }, `ipmitool ${command.join(' ')}`);
    const run = await execIpmitool(binary, args, env, timeoutMs);
    log.debug({ bmc: `${bmc.address}:${bmc.port}`, command: command.join(' '), code: run.code, timedOut: run.timedOut }, `ipmitool ${command.join(' ')}: exit ${run.code ?? 'none'}`);
    if (run.code === 0 && !run.timedOut) return run.stdout;
    if (run.code === null && !run.timedOut) {
      throw new BmcCommandFailed(bmc.host, explain(run, bmc.password));
    }
    throw classifyFailure(bmc.host, run, timeoutMs, bmc.password);
  }
}

function execIpmitool(binary: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<IpmitoolRun> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', windowsHide: true }, (err, stdout, stderr) => {
      if (!err) {
        resolve({ code: 0, timedOut: false, stdout, stderr });
        return;
      }
      const failure = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      if (failure.code === 'ENOENT' || failure.code === 'EACCES') {
        reject(new InvalidInput('ipmitool binary', binary, 'not found or not executable'));
        return;
      }
      const timedOut = failure.killed === true;
      resolve({ code: typeof failure.code === 'number' ? failure.code : null, timedOut, stdout, stderr });
    });
  });
}

function checkInteger(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInput(what, String(value), `expected an integer from ${min} to ${max}`);
  }
}
