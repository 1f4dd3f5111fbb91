import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 18 random bytes: 144 bits, 24 characters that survive copy and paste (base64url, no padding). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * `{SSHA}`: base64(SHA-1(password + salt) + salt), the scheme OpenLDAP verifies
 * natively. The salt defeats precomputed tables; the directory never sees the password.
 */
export function sshaHash(password: string, salt: Buffer = randomBytes(8)): string {
  const digest = createHash('sha1').update(password, 'utf8').update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** True when `hash` is an `{SSHA}` value of `password` (used by tests and by operators' tooling). */
export function sshaMatches(password: string, hash: string): boolean {
  if (!hash.startsWith('{SSHA}')) return false;
  const raw = Buffer.from(hash.slice('{SSHA}'.length), 'base64');
  if (raw.length <= 20) return false;
  const expected = Buffer.from(sshaHash(password, raw.subarray(20)));
  const actual = Buffer.from(hash);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
