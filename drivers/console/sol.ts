import { execFile, spawn } from 'node:child_process';
import { checkBmcTarget } from '../power/bmc-target';
import type { BmcTarget } from '../power/power';
import { ConsoleEvents, type ConsoleStream } from './source';

export interface SolOptions {
  binary?: string;
  cipherSuite?: number;
  /** How long `~.` is given to end the session before the child is killed. */
  graceMs?: number;
}

/** ipmitool's own line when a session opens; not console output. */
const BANNER = /^\[SOL Session operational\.[^\n]*\n?/;

function ipmitoolArgs(bmc: BmcTarget, cipherSuite: number, command: string[]): string[] {
  return ['-I', 'lanplus', '-C', String(cipherSuite), '-H', bmc.address, '-p', String(bmc.port), '-U', bmc.username, '-E', ...command];
}

function run(binary: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve) => execFile(binary, args, { env, timeout: 10_000 }, () => resolve()));
}

/**
 * A node's serial console over IPMI serial-over-LAN: `ipmitool sol activate` as a long-lived child
 * with its stdin on a pipe (as obmd runs it, minus the pty). A stale session left by a crashed
 * reader is deactivated first; stopping sends `~.`, then kills what is left and deactivates again.
 * The password travels in the child's environment (-E), never on its command line.
 */
export async function openSol(bmc: BmcTarget, options: SolOptions = {}): Promise<ConsoleStream> {
  checkBmcTarget(bmc);
  const binary = options.binary ?? 'ipmitool';
  const cipherSuite = options.cipherSuite ?? 3;
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', IPMI_PASSWORD: bmc.password };
  await run(binary, ipmitoolArgs(bmc, cipherSuite, ['sol', 'deactivate']), env);
  const child = spawn(binary, ipmitoolArgs(bmc, cipherSuite, ['sol', 'activate']), { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const events = new ConsoleEvents();
  let head = true;
  child.stdout.on('data', (chunk: Buffer) => {
    if (head) {
      head = false;
      const text = chunk.toString('latin1').replace(BANNER, '');
      if (text) events.emit(Buffer.from(text, 'latin1'));
      return;
    }
    events.emit(chunk);
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('close', (code) => events.end(stopping ? 'stopped' : `ipmitool sol ended (${code ?? 'signal'}): ${stderr.replace(/tcgetattr[^\n]*\n?/g, '').trim().slice(0, 200)}`));
  let stopping = false;
  return {
    onData: (l) => events.onData(l),
    onEnd: (l) => events.onEnd(l),
    async stop() {
      if (stopping) return exited;
      stopping = true;
      child.stdin.write('\n~.\n');
      const kill = setTimeout(() => child.kill('SIGKILL'), options.graceMs ?? 2000);
      await exited;
      clearTimeout(kill);
      await run(binary, ipmitoolArgs(bmc, cipherSuite, ['sol', 'deactivate']), env);
    },
  };
}
