import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Client } from 'ssh2';

export interface CommandResult {
  /** Exit status; -1 when the command was killed (timeout). */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Where virsh and qemu-img run: on this machine or on the hypervisor over SSH.
 * A non-zero exit resolves (the caller reads stderr); only a command that could
 * not be run at all rejects.
 */
export interface CommandRunner {
  run(program: string, args: readonly string[], options?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
}

// virsh and qemu-img translate their messages; the driver reads them in English.
const C_LOCALE = { LC_ALL: 'C', LANG: 'C' };

/** Runs programs here with execFile: arguments go to the program as they are, no shell ever parses them. */
export class LocalCommandRunner implements CommandRunner {
  run(program: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        program,
        args,
        { env: { ...process.env, ...C_LOCALE }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (!err) return resolve({ code: 0, stdout, stderr });
          if (typeof err.code === 'number') return resolve({ code: err.code, stdout, stderr });
          if (err.killed) return resolve({ code: -1, stdout, stderr: `${stderr}\n${program} timed out` });
          reject(new Error(err.message));
        },
      );
      // A program that exits without reading its input closes the pipe; that is its business, not an error here.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input ?? '');
    });
  }
}

/**
 * POSIX shell single quoting. An SSH command line always reaches the remote
 * user's shell, so every argument is quoted (values were validated before, too).
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('a NUL byte cannot be passed on a command line');
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export interface SshRunnerOptions {
  host: string;
  port?: number;
  username: string;
  /** OpenSSH private key, looked up from the lab's credentials. */
  privateKey: string;
  /** The hypervisor's host key as `SHA256:<base64>` (what `ssh-keygen -lf` prints): no connection to anyone else. */
  hostKeySha256: string;
  connectTimeoutMs?: number;
}

/** Runs programs on the hypervisor over SSH, one connection per command (headnodes change a few times per booking). */
export class SshCommandRunner implements CommandRunner {
  constructor(private readonly options: SshRunnerOptions) {}

  run(program: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
    const command = `LC_ALL=C LANG=C ${[program, ...args].map(shellQuote).join(' ')}`;
    const { host, port = 22, username, privateKey, hostKeySha256, connectTimeoutMs = 10_000 } = this.options;
    return new Promise((resolve, reject) => {
      const ssh = new Client();
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => {
        ssh.end();
        resolve({ code: -1, stdout, stderr: `${stderr}\n${program} timed out` });
      }, options.timeoutMs ?? 60_000);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      ssh.on('error', fail);
      ssh.on('ready', () => {
        ssh.exec(command, (err, stream) => {
          if (err) return fail(err);
          stream.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
          stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
          stream.on('close', (code: number | null) => {
            clearTimeout(timer);
            ssh.end();
            resolve({ code: code ?? -1, stdout, stderr });
          });
          stream.end(options.input ?? '');
        });
      });
      ssh.connect({
        host,
        port,
        username,
        privateKey,
        readyTimeout: connectTimeoutMs,
        hostVerifier: (key: Buffer) => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` === hostKeySha256,
      });
    });
  }
}
