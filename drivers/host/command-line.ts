import { InvalidInput } from '../errors';

// Everything here guards what reaches the host's login shell: SSH runs every command
// through it, so each argument is validated and then single-quoted.

/** POSIX single quoting: the shell takes everything between quotes literally, so only `'` needs care. */
export function quoteArgument(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** argv → one command line for the remote shell, every element passed through literally. */
export function commandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new InvalidInput('command', '', 'an empty argument list runs nothing');
  argv.forEach((arg, i) => {
    // A NUL would cut the command line short on the far side: what runs would not be what was asked.
    if (arg.includes('\0')) throw new InvalidInput(`command argument ${i}`, arg.replace(/\0/g, '\\0'), 'contains a NUL byte');
  });
  if (argv[0] === '') throw new InvalidInput('command', '', 'the program name is empty');
  return argv.map(quoteArgument).join(' ');
}

/** Shortened command for error messages, so a long argument list does not flood logs. */
export function commandSummary(argv: readonly string[]): string {
  const line = argv.join(' ');
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** Absolute path without control characters (they would garble logs and listings). */
export function checkPath(path: string): void {
  if (!path.startsWith('/')) throw new InvalidInput('path', path, 'must be absolute');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(path)) throw new InvalidInput('path', path, 'contains control characters');
  if (path.endsWith('/')) throw new InvalidInput('path', path, 'names a directory, not a file');
  if (path.split('/').includes('..')) throw new InvalidInput('path', path, 'must not contain ".."');
}

const userOrGroup = '[a-z_][a-z0-9_-]{0,31}\\$?';
const ownerPattern = new RegExp(`^${userOrGroup}(:(${userOrGroup})?)?$`);

/** "user", "user:group" or "user:" (the user's login group), as chown takes it. */
export function checkOwner(owner: string): void {
  if (!ownerPattern.test(owner)) {
    throw new InvalidInput('owner', owner, 'expected user, user:group or user: with POSIX user and group names');
  }
}

/** A POSIX user name as useradd accepts it by default. */
export function checkUserName(user: string): void {
  if (!new RegExp(`^${userOrGroup}$`).test(user)) {
    throw new InvalidInput('user', user, 'a POSIX user name: lower-case letters, digits, "_" and "-", starting with a letter or "_"');
  }
}

/** Linux keeps at most 64 characters of host name (HOST_NAME_MAX). */
const HOSTNAME_MAX = 64;

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
export function checkHostname(hostname: string): void {
  if (hostname.length === 0) throw new InvalidInput('hostname', hostname, 'is empty');
  if (hostname.length > HOSTNAME_MAX) {
    throw new InvalidInput('hostname', hostname, `is longer than ${HOSTNAME_MAX} characters`);
  }
  for (const label of hostname.split('.')) {
    if (label.length === 0) throw new InvalidInput('hostname', hostname, 'has an empty label (leading, trailing or double dot)');
    if (label.length > 63) throw new InvalidInput('hostname', hostname, `label "${label}" is longer than 63 characters`);
    if (!/^[A-Za-z0-9-]+$/.test(label)) {
      throw new InvalidInput('hostname', hostname, `label "${label}" may hold only letters, digits and "-"`);
    }
    if (label.startsWith('-') || label.endsWith('-')) {
      throw new InvalidInput('hostname', hostname, `label "${label}" must not start or end with "-"`);
    }
  }
}
