import { DeviceError } from '../errors';

/** How to reach a provisioned host's OS over SSH. */
export interface HostTarget {
  name: string;
  address: string;
  port: number;
  username: string;
  privateKey: string;
  /** Pinned host key ("ssh-ed25519 AAAA..."); absent before first contact. */
  hostKey?: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HostDriver {
  readonly kind: string;
  /** Run argv (each element quoted by the driver) and fail with HostCommandFailed on a non-zero exit. */
  exec(host: HostTarget, argv: string[], options?: { timeoutMs?: number; stdin?: string }): Promise<ExecResult>;
  /** Atomic write: temporary file + rename, mode (and owner) set, content never through a shell. */
  writeFile(host: HostTarget, path: string, content: string, options: { mode: number; owner?: string }): Promise<void>;
  /** null when the file does not exist. */
  readFile(host: HostTarget, path: string): Promise<string | null>;
  /** Removing a missing file is a no-op. */
  removeFile(host: HostTarget, path: string): Promise<void>;
  setHostname(host: HostTarget, hostname: string): Promise<void>;
  /** Reboot and wait (bounded, growing waits) until SSH answers again. */
  reboot(host: HostTarget, options: { timeoutMs: number; onWait?: (elapsedMs: number) => void }): Promise<void>;
}

export class HostUnreachable extends DeviceError {
  constructor(host: string, detail: string) {
    super('HostUnreachable', `host ${host} did not answer over SSH: ${detail}`, true, { host });
  }
}
export class HostAuthFailed extends DeviceError {
  constructor(host: string) {
    super('HostAuthFailed', `host ${host} refused the lab's SSH key`, false, { host });
  }
}
export class HostKeyMismatch extends DeviceError {
  constructor(host: string, expected: string, got: string) {
    super('HostKeyMismatch', `host ${host} presented host key ${got}, pinned key is ${expected}`, false, { host });
  }
}
export class HostCommandFailed extends DeviceError {
  constructor(host: string, command: string, code: number, stderrTail: string) {
    super('HostCommandFailed', `"${command}" on ${host} exited ${code}: ${stderrTail}`, true, { host, code, stderrTail });
  }
}
/** The command did not finish within its timeout; it was signalled and the session closed. */
export class HostCommandTimedOut extends DeviceError {
  constructor(host: string, command: string, timeoutMs: number) {
    super('HostCommandTimedOut', `"${command}" on ${host} did not finish within ${timeoutMs} ms`, true, { host, timeoutMs });
  }
}
/** A file operation (write, read, remove) the host refused, e.g. a missing directory or no permission. */
export class HostFileFailed extends DeviceError {
  constructor(host: string, operation: string, path: string, reason: string) {
    super('HostFileFailed', `${operation} ${path} on ${host} failed: ${reason}`, false, { host, operation, path });
  }
}
