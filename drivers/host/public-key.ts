import { InvalidInput } from '../errors';

// A user's SSH public key ends up, verbatim, in a host's authorized_keys: a file where
// a prefix like `command="..."` changes what a login does. So a key is accepted only
// after its body has been decoded and its structure checked, never by pattern alone.

/** Key types the lab accepts; DSA and certificates are left out on purpose. */
export const ALLOWED_KEY_TYPES = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-rsa',
] as const;
export type KeyType = (typeof ALLOWED_KEY_TYPES)[number];

export interface PublicKey {
  type: KeyType;
  /** The base64 key data exactly as given (canonical, checked). */
  body: string;
  /** Free text after the key data, '' when none. */
  comment: string;
}

export type KeyCheck = { ok: true; key: PublicKey } | { ok: false; reason: string };

const MAX_LINE = 8192;
const MAX_COMMENT = 256;
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 16384;
/** Words that may open an authorized_keys line before the key: options, not keys. */
const OPTION_WORDS = /^(command|from|environment|permitopen|permitlisten|principals|tunnel|expiry-time|restrict|cert-authority|no-[a-z0-9-]+|agent-forwarding|port-forwarding|pty|user-rc|x11-forwarding|no-touch-required|verify-required)([=,]|$)/i;
const EC_POINT_BYTES: Record<string, number> = { nistp256: 65, nistp384: 97, nistp521: 133 };

function isAllowedType(word: string): word is KeyType {
  return (ALLOWED_KEY_TYPES as readonly string[]).includes(word);
}

/** Reads the SSH wire format (RFC 4251): uint32 length + bytes. */
class WireReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  string(): Buffer | null {
    if (this.offset + 4 > this.buf.length) return null;
    const len = this.buf.readUInt32BE(this.offset);
    if (this.offset + 4 + len > this.buf.length) return null;
    const out = this.buf.subarray(this.offset + 4, this.offset + 4 + len);
    this.offset += 4 + len;
    return out;
  }
  get done(): boolean {
    return this.offset === this.buf.length;
  }
}

/** The type name embedded at the start of a key blob, or null when the blob is not one. */
export function blobType(blob: Buffer): string | null {
  const type = new WireReader(blob).string();
  return type ? type.toString('latin1') : null;
}

function bitLength(mpint: Buffer): number {
  let i = 0;
  while (i < mpint.length && mpint[i] === 0) i++;
  if (i === mpint.length) return 0;
  return (mpint.length - i - 1) * 8 + (mpint[i] ?? 0).toString(2).length;
}

/** Checks the fields after the type name; returns why the blob is wrong, or null. */
function checkBlob(type: KeyType, reader: WireReader): string | null {
  const broken = 'key data is truncated or malformed';
  if (type === 'ssh-ed25519' || type === 'sk-ssh-ed25519@openssh.com') {
    const point = reader.string();
    if (!point) return broken;
    if (point.length !== 32) return `an ed25519 key is 32 bytes, this one is ${point.length}`;
  } else if (type === 'ssh-rsa') {
    const e = reader.string();
    const n = reader.string();
    if (!e || !n) return broken;
    const bits = bitLength(n);
    if (bits < RSA_MIN_BITS) return `RSA key of ${bits} bits is too weak (at least ${RSA_MIN_BITS})`;
    if (bits > RSA_MAX_BITS) return `RSA key of ${bits} bits is larger than ${RSA_MAX_BITS}`;
    if (bitLength(e) < 2 || ((e[e.length - 1] ?? 0) & 1) === 0) return 'RSA public exponent is not a valid odd number';
  } else {
    const declaredCurve = type.replace(/^(sk-)?ecdsa-sha2-/, '').replace(/@openssh\.com$/, '');
    const curve = reader.string();
    const point = reader.string();
    if (!curve || !point) return broken;
    if (curve.toString('latin1') !== declaredCurve) return `key data names curve ${curve.toString('latin1')}, the type says ${declaredCurve}`;
    if (point.length !== EC_POINT_BYTES[declaredCurve] || point[0] !== 0x04) return `not an uncompressed ${declaredCurve} point`;
  }
  if (type.startsWith('sk-')) {
    // Security-key types carry the FIDO application id ("ssh:" by default).
    const application = reader.string();
    if (!application || application.length === 0) return broken;
  }
  if (!reader.done) return 'key data has trailing bytes after the key';
  return null;
}

/** Decodes and checks the key data; returns why it is wrong, or null. */
export function checkKeyBody(type: KeyType, body: string): string | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) return 'key data is not base64';
  const blob = Buffer.from(body, 'base64');
  // Re-encoding catches non-canonical padding bits that some decoders would silently accept.
  if (blob.toString('base64') !== body) return 'key data is not canonical base64';
  const reader = new WireReader(blob);
  const embedded = reader.string();
  if (!embedded) return 'key data is truncated or malformed';
  const embeddedType = embedded.toString('latin1');
  if (embeddedType !== type) return `key data says "${printable(embeddedType)}" but the line says "${type}"`;
  return checkBlob(type, reader);
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}

function looksPrivate(text: string): boolean {
  return /PRIVATE KEY|PuTTY-User-Key-File|Private-Lines:/i.test(text);
}

/** Checks one public key line as a user would paste it (one trailing newline allowed). */
export function checkPublicKey(input: string): KeyCheck {
  const no = (reason: string): KeyCheck => ({ ok: false, reason });
  if (typeof input !== 'string') return no('is not text');
  if (looksPrivate(input)) return no('is a private key: send only the public key (the .pub file), and consider this one exposed');
  if (input.length > MAX_LINE) return no(`is longer than ${MAX_LINE} characters`);
  const line = input.replace(/\r?\n$/, '').trim();
  if (line === '') return no('is empty');
  if (/BEGIN SSH2 PUBLIC KEY/.test(line)) return no('is in RFC 4716 format: convert it with "ssh-keygen -i -f <file>"');
  if (/[\r\n]/.test(line)) return no('holds more than one line: give one key per entry');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line)) return no('contains control characters');

  const words = line.split(/[ \t]+/);
  const first = words[0] ?? '';
  if (!isAllowedType(first)) {
    if (OPTION_WORDS.test(first) || words.slice(1).some(isAllowedType) || first.includes('=')) {
      return no('starts with authorized_keys options (command=, from=, ...): give only the key itself');
    }
    if (/^ssh-dss$|-cert-v01@openssh\.com$/.test(first)) {
      return no(`key type "${first}" is not accepted (accepted: ${ALLOWED_KEY_TYPES.join(', ')})`);
    }
    return no(`does not start with an accepted key type (${ALLOWED_KEY_TYPES.join(', ')})`);
  }
  const body = words[1];
  if (!body) return no('has no key data after the key type');
  const bodyProblem = checkKeyBody(first, body);
  if (bodyProblem) return no(bodyProblem);

  const comment = line.slice(first.length).trimStart().slice(body.length).trimStart();
  const commentWords = comment.split(/[ \t]+/);
  // A second "type AAAA..." pair means someone pasted two keys together.
  if (commentWords.some((w, i) => isAllowedType(w) && (commentWords[i + 1] ?? '').startsWith('AAAA'))) {
    return no('holds more than one key on one line: give one key per entry');
  }
  if (comment.length > MAX_COMMENT) return no(`comment is longer than ${MAX_COMMENT} characters`);
  if (/laas-booking/i.test(comment)) return no('comment contains "laas-booking", which the lab reserves to mark its own lines');
  return { ok: true, key: { type: first, body, comment } };
}

/** The key, or InvalidInput with the reason. The key text itself is never echoed: it may be a private key. */
export function parsePublicKey(input: string, what = 'SSH public key'): PublicKey {
  const result = checkPublicKey(input);
  if (!result.ok) {
    const shown = typeof input === 'string' && !looksPrivate(input) ? printable(input) : '(not shown)';
    throw new InvalidInput(what, shown, result.reason);
  }
  return result.key;
}
