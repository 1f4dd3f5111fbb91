import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
// @temporalio/proto is CommonJS: under plain Node ESM only its default export is there.
import proto from '@temporalio/proto';

const { temporal } = proto;

/**
 * Encrypts every payload Temporal stores (workflow inputs and results, activity arguments and
 * results, queries, signals, updates, memos, summaries) so that users' data — SSH public keys,
 * generated VPN passwords, the host names they chose — is not readable by whoever can read
 * Temporal's database or UI without the key. Search attributes are not payloads the server can
 * index once encrypted, so they stay in clear and must never hold users' secrets.
 *
 * Wire format of an encrypted payload: metadata `encoding: binary/encrypted` and
 * `encryption-key-id: <id>`; data = 12-byte IV ‖ AES-256-GCM ciphertext of the original payload
 * (protobuf-serialized, so its own metadata is hidden too) ‖ 16-byte tag. The key id is also the
 * authenticated data, so a payload relabelled with another key id does not open.
 */

export const ENV_VAR = 'LAAS_PAYLOAD_KEYS';
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface PayloadKeyring {
  /** The id new payloads are encrypted under. */
  readonly current: string;
  /** Every key that can still decrypt: the current one and those being rotated out. */
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** Codec configuration that cannot be used; names the variable and the entry, never the key. */
export class CodecConfigError extends Error {
  override readonly name = 'CodecConfigError';
}

/** A payload that cannot be decrypted: unknown key id, or altered data. */
export class PayloadUndecryptable extends Error {
  override readonly name = 'PayloadUndecryptable';
}

/**
 * Parses `id:base64key[,id:base64key...]`. The first entry is the key new payloads are encrypted
 * with; the others only decrypt (keep them while histories written under them are still read).
 */
export function parsePayloadKeys(spec: string, source = ENV_VAR): PayloadKeyring {
  const entries = spec.split(',').map((e) => e.trim());
  if (entries.every((e) => e === '')) throw new CodecConfigError(`${source} holds no key; expected id:base64key[,id:base64key...] (a key: openssl rand -base64 32)`);
  const keys = new Map<string, Buffer>();
  entries.forEach((entry, i) => {
    const where = `${source} entry ${i + 1}`;
    if (entry === '') throw new CodecConfigError(`${where} is empty (stray comma?)`);
    const colon = entry.indexOf(':');
    if (colon < 0) throw new CodecConfigError(`${where} has no ":"; expected id:base64key`);
    const id = entry.slice(0, colon);
    if (!KEY_ID.test(id)) throw new CodecConfigError(`${where}: the key id must be 1-32 letters, digits, ".", "_" or "-"`);
    const encoded = entry.slice(colon + 1);
    if (!BASE64.test(encoded)) throw new CodecConfigError(`${where} (key ${id}): the key is not base64`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) throw new CodecConfigError(`${where} (key ${id}): the key must be 32 bytes (openssl rand -base64 32), got ${key.length}`);
    if (keys.has(id)) throw new CodecConfigError(`${where}: key id ${id} appears twice`);
    keys.set(id, key);
  });
  return Object.freeze({ current: entries[0]!.slice(0, entries[0]!.indexOf(':')), keys });
}

/** Used when LAAS_PAYLOAD_KEYS is unset: derived from a public string, so it protects nothing. */
export const DEVELOPMENT_KEY_ID = 'dev-insecure';
function developmentKeyring(): PayloadKeyring {
  const key = createHash('sha256').update('laas development payload key: anyone with the source can read these histories').digest();
  return Object.freeze({ current: DEVELOPMENT_KEY_ID, keys: new Map([[DEVELOPMENT_KEY_ID, key]]) });
}

export const DEVELOPMENT_KEY_WARNING =
  `${ENV_VAR} is not set: workflow payloads (SSH keys, VPN passwords, host names) are encrypted with the built-in ` +
  `DEVELOPMENT key "${DEVELOPMENT_KEY_ID}", which anyone with the laas source can use. Fine on a laptop; for a real lab set ` +
  `${ENV_VAR}=<id>:<base64 32 bytes> (openssl rand -base64 32) on every worker, API and CLI.`;

/** The keyring from the environment, or the development key with `defaulted: true`. */
export function payloadKeyringFromEnv(env: NodeJS.ProcessEnv = process.env): { keyring: PayloadKeyring; defaulted: boolean } {
  const spec = env[ENV_VAR];
  if (spec === undefined || spec.trim() === '') return { keyring: developmentKeyring(), defaulted: true };
  return { keyring: parsePayloadKeys(spec), defaulted: false };
}

function metadataText(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? Buffer.from(value).toString('utf8') : undefined;
}

/** AES-256-GCM payload codec over a keyring: encrypts under the current key, decrypts under any. */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: PayloadKeyring) {
    if (!keyring.keys.has(keyring.current)) throw new CodecConfigError(`the current key ${keyring.current} is not in the keyring`);
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.keyring.current;
    const key = this.keyring.keys.get(id)!;
    return Promise.resolve().then(() =>
      payloads.map((payload) => {
        // A fresh random IV for every payload: GCM must never see an (key, IV) pair twice.
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        cipher.setAAD(Buffer.from(id, 'utf8'));
        const clear = temporal.api.common.v1.Payload.encode(payload).finish();
        const sealed = Buffer.concat([iv, cipher.update(clear), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id) },
          data: sealed,
        };
      }),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    // Payloads written before encryption was turned on (or by other tools) pass through.
    // Through then(): a payload that does not open rejects the promise rather than throwing synchronously.
    return Promise.resolve().then(() => payloads.map((payload) => (metadataText(payload, 'encoding') === ENCRYPTED_ENCODING ? this.decrypt(payload) : payload)));
  }

  private decrypt(payload: Payload): Payload {
    const id = metadataText(payload, KEY_ID_METADATA);
    if (!id) throw new PayloadUndecryptable(`encrypted payload has no ${KEY_ID_METADATA} in its metadata`);
    const key = this.keyring.keys.get(id);
    if (!key) {
      throw new PayloadUndecryptable(`payload was encrypted with key id "${id}", which is not in ${ENV_VAR} (configured: ${[...this.keyring.keys.keys()].join(', ')})`);
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadUndecryptable(`encrypted payload under key "${id}" is truncated (${data.length} bytes)`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id, 'utf8'));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const clear = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(clear);
    } catch {
      throw new PayloadUndecryptable(`payload under key "${id}" failed authentication: the ciphertext was altered, or a different key is configured under this id`);
    }
  }
}

export interface PayloadEncryption {
  codec: EncryptionCodec;
  /** For `Worker.create`, `bundleWorkflowCode`'s worker options and `new Client(...)`. */
  dataConverter: DataConverter;
  keyIds: string[];
  defaulted: boolean;
}

/**
 * The data converter every laas process must share (worker, API, CLI): the same keys on all of
 * them, or histories written by one cannot be read by another. Warns once when defaulted.
 */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = console.warn): PayloadEncryption {
  const { keyring, defaulted } = payloadKeyringFromEnv(env);
  if (defaulted) warn(DEVELOPMENT_KEY_WARNING);
  const codec = new EncryptionCodec(keyring);
  return { codec, dataConverter: { payloadCodecs: [codec] }, keyIds: [...keyring.keys.keys()], defaulted };
}

/** A fresh entry for LAAS_PAYLOAD_KEYS, to put first when rotating. */
export function newPayloadKeyEntry(id: string): string {
  if (!KEY_ID.test(id)) throw new CodecConfigError('a key id must be 1-32 letters, digits, ".", "_" or "-"');
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export const UI_ORIGINS_ENV_VAR = 'LAAS_CODEC_UI_ORIGINS';
export const DEFAULT_UI_ORIGIN = 'http://127.0.0.1:8233';

/**
 * Origins of the Temporal UI pages allowed to call the codec endpoint from a browser
 * (`LAAS_CODEC_UI_ORIGINS`, comma-separated, default the dev server's UI).
 */
export function codecUiOriginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const spec = env[UI_ORIGINS_ENV_VAR];
  if (spec === undefined || spec.trim() === '') return [DEFAULT_UI_ORIGIN];
  return spec.split(',').map((entry, i) => {
    const text = entry.trim();
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new CodecConfigError(`${UI_ORIGINS_ENV_VAR} entry ${i + 1} ("${text}") is not a URL such as ${DEFAULT_UI_ORIGIN}`);
    }
    // An origin is scheme://host[:port]; browsers send exactly that in the Origin header.
    if (!['http:', 'https:'].includes(url.protocol) || url.pathname !== '/' || url.search || url.hash || url.username) {
      throw new CodecConfigError(`${UI_ORIGINS_ENV_VAR} entry ${i + 1} ("${text}") must be an origin (scheme://host[:port], no path), such as ${DEFAULT_UI_ORIGIN}`);
    }
    return url.origin;
  });
}
