// Real public keys made with node:crypto and written in the SSH wire format (RFC 4253 §6.6),
// so the parser is tested against keys a user could actually hold.
import { generateKeyPairSync } from 'node:crypto';

export function sshString(value: Buffer | string): Buffer {
  const data = Buffer.from(value);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/** mpint: big-endian, with a leading zero byte when the top bit is set (it would read as negative). */
function mpint(bytes: Buffer): Buffer {
  return sshString((bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

const jwkBytes = (value: string | undefined): Buffer => Buffer.from(value ?? '', 'base64url');

export function ed25519Blob(): Buffer {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  return Buffer.concat([sshString('ssh-ed25519'), sshString(jwkBytes(jwk.x))]);
}

export function ecdsaBlob(curve: 'nistp256' | 'nistp384' = 'nistp256', nameInBlob: string = curve): Buffer {
  const namedCurve = curve === 'nistp256' ? 'P-256' : 'P-384';
  const jwk = generateKeyPairSync('ec', { namedCurve }).publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), jwkBytes(jwk.x), jwkBytes(jwk.y)]);
  return Buffer.concat([sshString(`ecdsa-sha2-${curve}`), sshString(nameInBlob), sshString(point)]);
}

export function rsaBlob(bits: number): Buffer {
  const jwk = generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });
  return Buffer.concat([sshString('ssh-rsa'), mpint(jwkBytes(jwk.e)), mpint(jwkBytes(jwk.n))]);
}

export function skEd25519Blob(): Buffer {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  return Buffer.concat([sshString('sk-ssh-ed25519@openssh.com'), sshString(jwkBytes(jwk.x)), sshString('ssh:')]);
}

/** "type base64 comment" for a blob, the way ssh-keygen writes a .pub file. */
export function keyLine(blob: Buffer, comment = ''): string {
  const type = blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1');
  return `${type} ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** The same key data under a different declared type. */
export function relabel(blob: Buffer, declaredType: string): string {
  return `${declaredType} ${blob.toString('base64')}`;
}
