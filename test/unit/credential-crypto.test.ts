import { describe, expect, it } from 'vitest';
import { keyringFromEnv, newKeyEntry, parseKeyring, seal, unseal } from '../../db/crypto';
import { hashPassword, verifyPassword } from '../../db/passwords';

describe('credential sealing (AES-256-GCM with key ids)', () => {
  const ring = parseKeyring(`${newKeyEntry('k2')},${newKeyEntry('k1')}`);

  it('seals with the first key and opens with whichever key id the value names', () => {
    expect(ring.current).toBe('k2');
    const sealed = seal(ring, 'bmc-secret', 'laas credential bmc/h1');
    expect(sealed.keyId).toBe('k2');
    expect(sealed.ciphertext.toString('utf8')).not.toContain('bmc-secret');
    expect(unseal(ring, sealed, 'laas credential bmc/h1')).toBe('bmc-secret');
    const older = seal({ current: 'k1', keys: ring.keys }, 'old', 'x');
    expect(unseal(ring, older, 'x')).toBe('old');
  });

  it('refuses altered data, a value moved to another row, and an unknown key, without echoing the value', () => {
    const sealed = seal(ring, 'bmc-secret', 'row-a');
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] = flipped[0]! ^ 1;
    expect(() => unseal(ring, { ...sealed, ciphertext: flipped }, 'row-a')).toThrow(/authentication failed/);
    expect(() => unseal(ring, sealed, 'row-b')).toThrow(/cannot be decrypted/);
    const other = parseKeyring(newKeyEntry('k9'));
    expect(() => unseal(other, sealed, 'row-a')).toThrow(/key k2, which is not configured/);
    try {
      unseal(other, sealed, 'row-a');
    } catch (err) {
      expect(String(err)).not.toContain('bmc-secret');
    }
  });

  it('names what is wrong with a key specification', () => {
    expect(() => parseKeyring('')).toThrow(/holds no key/);
    expect(() => parseKeyring('nokey')).toThrow(/entry 1: the key id/);
    expect(() => parseKeyring('a:c2hvcnQ=')).toThrow(/key a\): the key must be 32 bytes in base64, got 5/);
    const entry = newKeyEntry('a');
    expect(() => parseKeyring(`${entry},${entry}`)).toThrow(/key id a appears twice/);
  });

  it('falls back to a development key only when none is configured, and keeps it readable after', () => {
    const dev = keyringFromEnv({});
    expect(dev.defaulted).toBe(true);
    const sealed = seal(dev.keyring, 'v', 'r');
    const configured = keyringFromEnv({ LAAS_CREDENTIAL_KEYS: newKeyEntry('prod1') });
    expect(configured.defaulted).toBe(false);
    expect(configured.keyring.current).toBe('prod1');
    expect(unseal(configured.keyring, sealed, 'r')).toBe('v');
  });
});

describe('user passwords (scrypt)', () => {
  it('verifies the right password only, with a per-hash salt', async () => {
    const a = await hashPassword('hunter2-long');
    const b = await hashPassword('hunter2-long');
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(await verifyPassword('hunter2-long', a)).toBe(true);
    expect(await verifyPassword('hunter3-long', a)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });
});
