import { createHash } from 'node:crypto';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { InvalidInput } from '../errors';
import { blobType, checkPublicKey, type KeyType } from './public-key';

/** Security-key (sk-) types exist only for users; a server's key is one of these. */
export type HostKeyType = Exclude<KeyType, `sk-${string}`>;

/** A host key as the lab pins it: the decoded blob plus its type. */
export interface PinnedHostKey {
  type: HostKeyType;
  blob: Buffer;
}

/** Parses "ssh-ed25519 AAAA... [comment]" as stored in a target; a malformed pin is a configuration error. */
export function readPinnedHostKey(host: string, text: string): PinnedHostKey {
  const check = checkPublicKey(text);
  if (!check.ok) throw new InvalidInput(`pinned host key of ${host}`, text.slice(0, 60), check.reason);
  const type = check.key.type;
  if (type.startsWith('sk-')) throw new InvalidInput(`pinned host key of ${host}`, text.slice(0, 60), `${type} is a user key type, not a host key type`);
  return { type: type as HostKeyType, blob: Buffer.from(check.key.body, 'base64') };
}

/** The "type base64" form of a key blob the server presented, for the caller to pin. */
export function formatHostKey(blob: Buffer): string {
  return `${blobType(blob) ?? 'unknown'} ${blob.toString('base64')}`;
}

/** OpenSSH-style fingerprint ("ssh-ed25519 SHA256:...") for messages: short and comparable by eye. */
export function fingerprint(blob: Buffer): string {
  const digest = createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
  return `${blobType(blob) ?? 'unknown'} SHA256:${digest}`;
}

/** Whether a presented blob is a well-formed key at all (guards what the first-contact callback receives). */
export function isWellFormedHostKey(blob: Buffer): boolean {
  const type = blobType(blob);
  return type !== null && checkPublicKey(`${type} ${blob.toString('base64')}`).ok;
}

/** Host key algorithms to offer so a server with several keys presents the pinned one. */
export function hostKeyAlgorithms(type: HostKeyType): ServerHostKeyAlgorithm[] {
  // An RSA key may sign with SHA-2 (preferred) or the legacy SHA-1 algorithm.
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}
