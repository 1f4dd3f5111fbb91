import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ssh2, { type ConnectConfig } from 'ssh2';
import { InvalidInput } from '../errors';
import { SwitchAuthFailed, SwitchUnreachable, type SwitchTarget } from './switch';

/** Milliseconds one command (or the login) may take before the switch counts as not answering. */
export function commandTimeout(target: SwitchTarget): number {
  const raw = target.options?.timeoutMs;
  if (raw === undefined) return 15_000;
  if (!/^\d{2,7}$/.test(raw)) throw new InvalidInput('option timeoutMs', raw, 'a whole number of milliseconds');
  return Number(raw);
}

/** OpenSSH's way of writing a host key fingerprint: "SHA256:" and unpadded base64. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Logs in with the password, or with the key in option `privateKeyFile`.
 * With option `hostKeySha256` the switch must present that host key, so a
 * machine in the middle never receives the password.
 */
export async function connectSsh(target: SwitchTarget): Promise<ssh2.Client> {
  const config: ConnectConfig = {
    host: target.address,
    port: target.port ?? 22,
    username: target.username,
    readyTimeout: commandTimeout(target),
  };
  const keyFile = target.options?.privateKeyFile;
  if (keyFile !== undefined) {
    config.privateKey = await readFile(keyFile).catch(() => {
      throw new InvalidInput('option privateKeyFile', keyFile, 'the file cannot be read');
    });
  } else {
    config.password = target.password;
  }
  let hostKeyRefused = false;
  const expected = target.options?.hostKeySha256;
  if (expected !== undefined) {
    config.hostVerifier = (key: Buffer) => {
      hostKeyRefused = hostKeyFingerprint(key) !== expected;
      return !hostKeyRefused;
    };
  }
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    let settled = false;
    conn.once('ready', () => {
      settled = true;
      // A CLI exchange is many small writes; Nagle's delay would cost tens of ms per command.
      conn.setNoDelay(true);
      resolve(conn);
    });
    // `on`, not `once`: ssh2 may emit a second error (a handshake timeout, then the socket's reset),
    // and an error without a listener would end the worker. Errors after `ready` surface through
    // the channels' close events.
    conn.on('error', (err: Error & { level?: string }) => {
      if (settled) return;
      settled = true;
      conn.end();
      if (err.level === 'client-authentication') reject(new SwitchAuthFailed(target.name));
      else if (hostKeyRefused) reject(new SwitchUnreachable(target.name, 'its host key does not match option hostKeySha256'));
      else reject(new SwitchUnreachable(target.name, err.message));
    });
    conn.connect(config);
  });
}
