import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { HostFileFailed, HostUnreachable } from './host';
import { runCommand } from './ssh-exec';
import type { HostSession } from './ssh-session';

// File content travels over SFTP, never through a shell: nothing in it can be taken
// for a command, and its size is not limited by a command line.

const NO_SUCH_FILE = 2;

interface SftpError extends Error {
  code?: number | string;
}

function sftpOf(session: HostSession): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    session.client.sftp((err, sftp) => {
      if (err) reject(session.lost ?? new HostUnreachable(session.host, `SFTP is not available: ${err.message}`));
      else resolve(sftp);
    });
  });
}

/** SFTP status of each HostFileFailed made here, so "no such file" can be told apart without parsing text. */
const sftpStatus = new WeakMap<Error, unknown>();

/** Promise form of one SFTP call; a failure becomes HostFileFailed naming the operation and path. */
function call<T>(session: HostSession, operation: string, path: string, start: (cb: (err: SftpError | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = (err: SftpError | null | undefined, value?: T): void => {
      if (err) {
        const failure = session.lost ?? new HostFileFailed(session.host, operation, path, err.message);
        sftpStatus.set(failure, err.code);
        reject(failure);
      } else {
        resolve(value as T);
      }
    };
    try {
      start(done);
    } catch (err) {
      // ssh2 throws synchronously when the server lacks an extension we rely on.
      done(err as SftpError);
    }
  });
}

function isMissing(err: unknown): boolean {
  return err instanceof HostFileFailed && sftpStatus.get(err) === NO_SUCH_FILE;
}

export interface WriteOptions {
  mode: number;
  owner?: string;
  timeoutMs: number;
}

/**
 * Writes a temporary file next to the target, sets its mode (and owner), flushes it to
 * disk, then renames it over the target: readers see the old file or the new one, never
 * half of one, and the new one never exists with the wrong mode.
 */
export async function writeFileAtomically(session: HostSession, path: string, content: string, options: WriteOptions): Promise<void> {
  const sftp = await sftpOf(session);
  const temp = posix.join(posix.dirname(path), `.${posix.basename(path)}.laas-${randomBytes(6).toString('hex')}`);
  const data = Buffer.from(content, 'utf8');
  let created = false;
  try {
    const handle = await call<Buffer>(session, 'write', path, (cb) => sftp.open(temp, 'wx', { mode: options.mode }, cb));
    created = true;
    try {
      await call(session, 'write', path, (cb) => sftp.write(handle, data, 0, data.length, 0, (err) => cb(err)));
      // The server applies its umask at open; fchmod makes the mode exact.
      await call(session, 'write', path, (cb) => sftp.fchmod(handle, options.mode, cb));
      // Network files are followed by a reboot: the data must be on disk before the rename.
      await call(session, 'write', path, (cb) => sftp.ext_openssh_fsync(handle, (err) => cb(err)));
    } finally {
      await call(session, 'write', path, (cb) => sftp.close(handle, cb)).catch(() => undefined);
    }
    if (options.owner) await runCommand(session, ['chown', '--', options.owner, temp], { timeoutMs: options.timeoutMs });
    // posix-rename replaces an existing target in one step (plain SFTP rename refuses to).
    await call(session, 'write', path, (cb) => sftp.ext_openssh_rename(temp, path, cb));
    created = false;
  } finally {
    if (created) await call(session, 'remove', temp, (cb) => sftp.unlink(temp, cb)).catch(() => undefined);
    sftp.end();
  }
}

/** The file's content, or null when it does not exist. */
export async function readFileOrNull(session: HostSession, path: string): Promise<string | null> {
  const sftp = await sftpOf(session);
  try {
    const data = await call<Buffer>(session, 'read', path, (cb) => sftp.readFile(path, cb));
    return data.toString('utf8');
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  } finally {
    sftp.end();
  }
}

/** Removes the file; a file already gone is fine (undo steps run more than once). */
export async function removeFileIfPresent(session: HostSession, path: string): Promise<void> {
  const sftp = await sftpOf(session);
  try {
    await call(session, 'remove', path, (cb) => sftp.unlink(path, cb));
  } catch (err) {
    if (!isMissing(err)) throw err;
  } finally {
    sftp.end();
  }
}
