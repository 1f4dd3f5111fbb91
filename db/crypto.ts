import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { InventoryError } from './errors';

/**
 * AES-256-GCM for credentials at rest. Every sealed value records the id of the
 * key that sealed it, so a new key can be introduced first in the ring and the
 * old rows re-sealed later (`rotateCredentials`). Authenticated data binds a
 * ciphertext to its row's name: a value copied onto another row does not open.
 */
export interface Keyring {
  /** The key new values are sealed with. */
  readonly current: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export interface Sealed {
  keyId: string;
  nonce: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

export class CredentialKeyError extends InventoryError {
  constructor(message: string) {
    super('CredentialKeyError', message);
  }
}

/** Raised when a sealed value cannot be opened; says which row, never what it held. */
export class CredentialUnreadable extends InventoryError {
  constructor(name: string, why: string) {
    super('CredentialUnreadable', `credential ${name} cannot be decrypted: ${why}`, { credential: name });
  }
}

const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;

/**
 * Parses `id:base64key[,id:base64key...]`; the first key is the current one.
 * Keys are 32 random bytes (`openssl rand -base64 32`).
 */
export function parseKeyring(spec: string, source = 'LAAS_CREDENTIAL_KEYS'): Keyring {
  const keys = new Map<string, Buffer>();
  let current: string | undefined;
  const entries = spec.split(',').map((e) => e.trim()).filter(Boolean);
  if (!entries.length) throw new CredentialKeyError(`${source} holds no key; expected id:base64key[,id:base64key...]`);
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID.test(id)) throw new CredentialKeyError(`${source} entry ${i + 1}: the key id must be 1-32 letters, digits, ".", "_" or "-" before a ":"`);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32) throw new CredentialKeyError(`${source} entry ${i + 1} (key ${id}): the key must be 32 bytes in base64, got ${key.length}`);
    if (keys.has(id)) throw new CredentialKeyError(`${source}: key id ${id} appears twice`);
    keys.set(id, key);
    current ??= id;
  });
  return { current: current!, keys };
}

/** The key printed by `npm start` when none is configured: fine on a laptop, never for a real lab. */
export const DEVELOPMENT_KEY_ID = 'dev';
function developmentKey(): Buffer {
  return createHash('sha256').update('laas development credential key, not for production').digest();
}

/** The keyring from `LAAS_CREDENTIAL_KEYS`, or the development key (and `defaulted: true`). */
export function keyringFromEnv(env: NodeJS.ProcessEnv = process.env): { keyring: Keyring; defaulted: boolean } {
  const spec = env.LAAS_CREDENTIAL_KEYS;
  if (spec && spec.trim()) {
    const keyring = parseKeyring(spec);
    // Values sealed with the development key stay readable after a real key is configured, until rotated.
    const keys = new Map(keyring.keys);
    if (!keys.has(DEVELOPMENT_KEY_ID)) keys.set(DEVELOPMENT_KEY_ID, developmentKey());
    return { keyring: { current: keyring.current, keys }, defaulted: false };
  }
  return { keyring: { current: DEVELOPMENT_KEY_ID, keys: new Map([[DEVELOPMENT_KEY_ID, developmentKey()]]) }, defaulted: true };
}

/** A fresh key, as one entry for LAAS_CREDENTIAL_KEYS. */
export function newKeyEntry(id: string): string {
  if (!KEY_ID.test(id)) throw new CredentialKeyError('a key id must be 1-32 letters, digits, ".", "_" or "-"');
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export function seal(keyring: Keyring, plaintext: string, boundTo: string): Sealed {
  const key = keyring.keys.get(keyring.current);
  if (!key) throw new CredentialKeyError(`the current key ${keyring.current} is not in the keyring`);
  // 96-bit random nonces: GCM's recommended size; collisions are negligible at our write rates.
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { keyId: keyring.current, nonce, ciphertext, authTag: cipher.getAuthTag() };
}

export function unseal(keyring: Keyring, sealed: Sealed, boundTo: string): string {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) throw new CredentialUnreadable(boundTo, `it was sealed with key ${sealed.keyId}, which is not configured`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce);
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(sealed.authTag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new CredentialUnreadable(boundTo, `authentication failed (wrong key ${sealed.keyId} or altered data)`);
  }
}
