import { posix } from 'node:path';
import { InvalidInput } from '../errors';
import { HostCommandFailed, type HostDriver, type HostTarget } from './host';
import { checkPath, checkUserName } from './command-line';
import { parsePublicKey, type PublicKey } from './public-key';

export { ALLOWED_KEY_TYPES, checkPublicKey, parsePublicKey, type KeyCheck, type KeyType, type PublicKey } from './public-key';

// Each key the lab adds carries its booking as the line's last word, `laas-booking=<id>`:
// undoing a booking removes exactly those lines and leaves every other byte of the file
// (the image's keys, the user's own edits, line endings) as it was.

const MARKER_PREFIX = 'laas-booking=';

export function checkBookingId(bookingId: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(bookingId)) {
    throw new InvalidInput('booking id', bookingId, 'expected up to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
}

export function bookingMarker(bookingId: string): string {
  checkBookingId(bookingId);
  return `${MARKER_PREFIX}${bookingId}`;
}

/** Lines with their own terminators, so joining them gives back the text exactly. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function words(line: string): string[] {
  return line.trim().split(/[ \t]+/).filter((w) => w !== '');
}

function isBookingLine(line: string, marker: string): boolean {
  return words(line).at(-1) === marker;
}

function keyLine(key: PublicKey, marker: string): string {
  return `${key.type} ${key.body}${key.comment ? ` ${key.comment}` : ''} ${marker}\n`;
}

/** Adds the booking's keys; a key already there for this booking is not added again. */
export function addBookingKeys(text: string, bookingId: string, keys: readonly (string | PublicKey)[]): string {
  const marker = bookingMarker(bookingId);
  const parsed = keys.map((k, i) => (typeof k === 'string' ? parsePublicKey(k, `SSH key ${i + 1}`) : k));
  const present = new Set(
    splitLines(text)
      .filter((line) => isBookingLine(line, marker))
      .map((line) => words(line).slice(0, 2).join(' ')),
  );
  let added = '';
  for (const key of parsed) {
    const identity = `${key.type} ${key.body}`;
    if (present.has(identity)) continue;
    present.add(identity);
    added += keyLine(key, marker);
  }
  if (added === '') return text;
  // The last line may lack its newline; it needs one before another line can follow.
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${separator}${added}`;
}

/** Removes the booking's lines and nothing else. */
export function removeBookingKeys(text: string, bookingId: string): string {
  const marker = bookingMarker(bookingId);
  return splitLines(text)
    .filter((line) => !isBookingLine(line, marker))
    .join('');
}

/** The user's home directory, or null when the host has no such user. */
async function homeOf(driver: HostDriver, host: HostTarget, user: string): Promise<string | null> {
  let entry: string;
  try {
    entry = (await driver.exec(host, ['getent', 'passwd', user])).stdout;
  } catch (err) {
    // getent exits 2 for "no such entry".
    if (err instanceof HostCommandFailed && err.details.code === 2) return null;
    throw err;
  }
  const home = entry.trim().split(':')[5] ?? '';
  checkPath(home);
  return home;
}

export interface KeyFileChange {
  /** The authorized_keys file; null when the user does not exist (removal only). */
  path: string | null;
  changed: boolean;
}

/** Puts the booking's keys into the user's authorized_keys on the host (idempotent). */
export async function installKeys(driver: HostDriver, host: HostTarget, user: string, bookingId: string, keys: readonly string[]): Promise<KeyFileChange> {
  checkUserName(user);
  checkBookingId(bookingId);
  // Every key is checked before the host is touched: one bad key changes nothing.
  const parsed = keys.map((k, i) => parsePublicKey(k, `SSH key ${i + 1}`));
  const home = await homeOf(driver, host, user);
  if (home === null) throw new InvalidInput('user', user, `has no account on host ${host.name}`);
  const sshDir = posix.join(home, '.ssh');
  // sshd ignores keys in a .ssh others can write to; create it owned by the user, mode 700.
  await driver.exec(host, ['sh', '-c', '[ -d "$1" ] || { mkdir -m 700 "$1" && chown "$2": "$1"; }', 'sh', sshDir, user]);
  const path = posix.join(sshDir, 'authorized_keys');
  const before = (await driver.readFile(host, path)) ?? '';
  const after = addBookingKeys(before, bookingId, parsed);
  if (after === before) return { path, changed: false };
  await driver.writeFile(host, path, after, { mode: 0o600, owner: `${user}:` });
  return { path, changed: true };
}

/** Takes the booking's keys out again; a missing file or no such lines is a no-op. */
export async function removeKeys(driver: HostDriver, host: HostTarget, user: string, bookingId: string): Promise<KeyFileChange> {
  checkUserName(user);
  checkBookingId(bookingId);
  const home = await homeOf(driver, host, user);
  // No such user (any more): nobody can log in with the booking's keys.
  if (home === null) return { path: null, changed: false };
  const path = posix.join(home, '.ssh', 'authorized_keys');
  const before = await driver.readFile(host, path);
  if (before === null) return { path, changed: false };
  const after = removeBookingKeys(before, bookingId);
  if (after === before) return { path, changed: false };
  await driver.writeFile(host, path, after, { mode: 0o600, owner: `${user}:` });
  return { path, changed: true };
}
