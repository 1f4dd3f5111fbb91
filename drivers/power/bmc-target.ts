import { isIP } from 'node:net';
import { InvalidInput } from '../errors';
import type { BmcTarget } from './power';

// A DNS name per RFC 1123: labels of letters, digits and inner hyphens. A leading
// "-" can never pass, so no value can be mistaken for an ipmitool option.
const hostname = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

// IPMI v2 user names are at most 16 bytes; we also keep them to characters that
// read the same in every log and cannot start an option.
const username = /^[A-Za-z0-9._@][A-Za-z0-9._@-]{0,15}$/;

/** IPMI v2 (RMCP+) passwords are at most 20 bytes. */
const MAX_PASSWORD_BYTES = 20;

/**
 * Checks every value that reaches ipmitool's command line or environment.
 * Throws InvalidInput naming the field; the password's value is never echoed.
 */
export function checkBmcTarget(bmc: BmcTarget): void {
  if (typeof bmc.address !== 'string' || (isIP(bmc.address) === 0 && !hostname.test(bmc.address))) {
    throw new InvalidInput(`BMC address of ${bmc.host}`, String(bmc.address), 'expected an IPv4/IPv6 address or a DNS name');
  }
  if (!Number.isInteger(bmc.port) || bmc.port < 1 || bmc.port > 65535) {
    throw new InvalidInput(`BMC port of ${bmc.host}`, String(bmc.port), 'expected an integer from 1 to 65535');
  }
  if (typeof bmc.username !== 'string' || !username.test(bmc.username)) {
    throw new InvalidInput(
      `BMC user name of ${bmc.host}`,
      String(bmc.username),
      'expected 1 to 16 letters, digits, ".", "_", "@" or "-", not starting with "-"',
    );
  }
  const password = bmc.password;
  if (typeof password !== 'string' || password.length === 0 || password.includes('\0')) {
    throw new InvalidInput(`BMC password of ${bmc.host}`, '(hidden)', 'expected a non-empty string without NUL characters');
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new InvalidInput(`BMC password of ${bmc.host}`, '(hidden)', `IPMI v2 passwords are at most ${MAX_PASSWORD_BYTES} bytes`);
  }
}
