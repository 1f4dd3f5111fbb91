import { Client } from 'ssh2';
import { InvalidInput } from '../errors';
import { HostAuthFailed, HostKeyMismatch, HostUnreachable, type HostTarget } from './host';
import { fingerprint, formatHostKey, hostKeyAlgorithms, isWellFormedHostKey, readPinnedHostKey, type PinnedHostKey } from './host-key';

/**
 * Called with the key a host presented when its target has no pinned key, after the
 * handshake proved the host holds that key and before anything runs. Record it so
 * later calls can pin it; throw to refuse the host.
 */
export type FirstContact = (host: string, hostKey: string) => void | Promise<void>;

export interface SessionOptions {
  connectTimeoutMs: number;
  onFirstContact: FirstContact;
}

/** An open, verified, authenticated connection; `lost` is set once it drops. */
export interface HostSession {
  client: Client;
  host: string;
  lost: Error | null;
  close(): void;
}

interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

function typedError(target: HostTarget, err: Ssh2Error, pinned: PinnedHostKey | null, presented: Buffer | null, timeoutMs: number): Error {
  if (pinned && presented && !presented.equals(pinned.blob)) {
    return new HostKeyMismatch(target.name, fingerprint(pinned.blob), fingerprint(presented));
  }
  switch (err.level) {
    case 'client-authentication':
      return new HostAuthFailed(target.name);
    case 'client-timeout':
      return new HostUnreachable(target.name, `no SSH handshake within ${timeoutMs} ms`);
    case 'client-socket':
    case 'client-dns':
      return new HostUnreachable(target.name, err.code ?? err.message);
  }
  // We only offer the pinned key's algorithm: a server without such a key cannot agree on one.
  if (pinned && err.level === 'handshake' && /host key/i.test(err.message)) {
    return new HostKeyMismatch(target.name, fingerprint(pinned.blob), `no ${pinned.type} key`);
  }
  return new HostUnreachable(target.name, err.message);
}

/** Opens a session, checking the host key against the pin (or reporting it at first contact). */
export async function openSession(target: HostTarget, options: SessionOptions): Promise<HostSession> {
  const pinned = target.hostKey ? readPinnedHostKey(target.name, target.hostKey) : null;
  const client = new Client();
  let presented: Buffer | null = null;
  const session: HostSession = { client, host: target.name, lost: null, close: () => client.end() };

  return new Promise<HostSession>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(err);
    };
    // Kept for the whole life of the connection: an unhandled 'error' would crash the worker.
    client.on('error', (err: Ssh2Error) => {
      const typed = typedError(target, err, pinned, presented, options.connectTimeoutMs);
      session.lost ??= typed;
      fail(typed);
    });
    client.on('close', () => {
      session.lost ??= new HostUnreachable(target.name, 'the connection closed');
      fail(new HostUnreachable(target.name, 'the connection closed during the SSH handshake'));
    });
    client.on('ready', () => {
      if (pinned) {
        settled = true;
        resolve(session);
        return;
      }
      const key = presented;
      if (!key || !isWellFormedHostKey(key)) {
        fail(new HostUnreachable(target.name, 'the host presented no usable host key'));
        return;
      }
      Promise.resolve()
        .then(() => options.onFirstContact(target.name, formatHostKey(key)))
        .then(
          () => {
            if (settled) return;
            settled = true;
            resolve(session);
          },
          (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
        );
    });
    try {
      client.connect({
        host: target.address,
        port: target.port,
        username: target.username,
        privateKey: target.privateKey,
        readyTimeout: options.connectTimeoutMs,
        hostVerifier: (key: Buffer): boolean => {
          presented = Buffer.from(key);
          return pinned === null || presented.equals(pinned.blob);
        },
        ...(pinned ? { algorithms: { serverHostKey: hostKeyAlgorithms(pinned.type) } } : {}),
      });
    } catch {
      // ssh2 throws synchronously on a key it cannot parse; its text is not repeated (it is a secret).
      fail(new InvalidInput(`SSH private key for ${target.name}`, '(not shown)', 'cannot be parsed as an unencrypted OpenSSH or PEM private key'));
    }
  });
}

/** Runs work on a fresh session and always closes it. */
export async function withSession<T>(target: HostTarget, options: SessionOptions, work: (s: HostSession) => Promise<T>): Promise<T> {
  const session = await openSession(target, options);
  try {
    return await work(session);
  } finally {
    session.close();
  }
}
