import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  codecUiOriginsFromEnv,
  dataConverterFromEnv,
  DEVELOPMENT_KEY_ID,
  EncryptionCodec,
  newPayloadKeyEntry,
  parsePayloadKeys,
} from '../../config/payload-codec';

const secret = { sshKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop', vpnPassword: 'Vpn-pass-93f1' };
const clear = () => defaultPayloadConverter.toPayload(secret);
const text = (p: Payload, key: string) => Buffer.from(p.metadata![key]!).toString('utf8');

describe('LAAS_PAYLOAD_KEYS', () => {
  it('takes the first key to encrypt with and keeps the others for decrypting', () => {
    const a = newPayloadKeyEntry('k2');
    const b = newPayloadKeyEntry('k1');
    const ring = parsePayloadKeys(` ${a} , ${b} `);
    expect(ring.current).toBe('k2');
    expect([...ring.keys.keys()]).toEqual(['k2', 'k1']);
  });

  it.each([
    ['', 'holds no key'],
    ['k1', 'entry 1 has no ":"'],
    [`${newPayloadKeyEntry('k1')},`, 'entry 2 is empty'],
    ['bad id:AAAA', 'entry 1: the key id must be'],
    ['k1:not*base64', 'entry 1 (key k1): the key is not base64'],
    [`k1:${Buffer.alloc(16, 7).toString('base64')}`, 'must be 32 bytes (openssl rand -base64 32), got 16'],
    [`${newPayloadKeyEntry('k1')},${newPayloadKeyEntry('k1')}`, 'entry 2: key id k1 appears twice'],
  ])('refuses %j naming the variable and the entry', (spec, why) => {
    expect(() => parsePayloadKeys(spec)).toThrow(/^LAAS_PAYLOAD_KEYS /);
    expect(() => parsePayloadKeys(spec)).toThrow(why);
  });

  it('never repeats key material in its errors', () => {
    const short = Buffer.alloc(31, 0xab).toString('base64');
    expect(() => parsePayloadKeys(`k1:${short}`)).toThrow(/got 31/);
    try {
      parsePayloadKeys(`k1:${short}`);
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
    }
  });

  it('falls back loudly to the development key when unset, and quietly uses a configured one', () => {
    const warnings: string[] = [];
    const dev = dataConverterFromEnv({}, (w) => warnings.push(w));
    expect(dev.defaulted).toBe(true);
    expect(dev.keyIds).toEqual([DEVELOPMENT_KEY_ID]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('LAAS_PAYLOAD_KEYS is not set');
    const real = dataConverterFromEnv({ LAAS_PAYLOAD_KEYS: newPayloadKeyEntry('2026-01') }, (w) => warnings.push(w));
    expect(real.defaulted).toBe(false);
    expect(real.keyIds).toEqual(['2026-01']);
    expect(warnings).toHaveLength(1);
    expect(() => dataConverterFromEnv({ LAAS_PAYLOAD_KEYS: 'oops' })).toThrow('LAAS_PAYLOAD_KEYS entry 1');
  });
});

describe('the encryption codec', () => {
  const codec = new EncryptionCodec(parsePayloadKeys(newPayloadKeyEntry('k1')));

  it('hides the payload, its metadata included, and says which key and encoding', async () => {
    const [sealed] = await codec.encode([clear()]);
    expect(text(sealed!, 'encoding')).toBe('binary/encrypted');
    expect(text(sealed!, 'encryption-key-id')).toBe('k1');
    expect(Object.keys(sealed!.metadata!)).toEqual(['encoding', 'encryption-key-id']);
    const bytes = Buffer.from(sealed!.data!).toString('latin1');
    expect(bytes).not.toContain('AAAAC3NzaC1lZDI1NTE5');
    expect(bytes).not.toContain('Vpn-pass');
    expect(bytes).not.toContain('json/plain');
  });

  it('decodes back to the very same payload, with a fresh IV each time', async () => {
    const [a, b] = await codec.encode([clear(), clear()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    const [back] = await codec.decode([a!]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual(secret);
    expect(text(back!, 'encoding')).toBe('json/plain');
  });

  it('passes through payloads it did not encrypt', async () => {
    const plain = clear();
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('after rotation, still decodes what the old key encrypted; without the old key, says which key is missing', async () => {
    const old = newPayloadKeyEntry('2025-q4');
    const [sealed] = await new EncryptionCodec(parsePayloadKeys(old)).encode([clear()]);
    const rotated = new EncryptionCodec(parsePayloadKeys(`${newPayloadKeyEntry('2026-q1')},${old}`));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([sealed!]))[0]!)).toEqual(secret);
    const [fresh] = await rotated.encode([clear()]);
    expect(text(fresh!, 'encryption-key-id')).toBe('2026-q1');
    const retired = new EncryptionCodec(parsePayloadKeys(newPayloadKeyEntry('2026-q1')));
    await expect(retired.decode([sealed!])).rejects.toThrow('payload was encrypted with key id "2025-q4", which is not in LAAS_PAYLOAD_KEYS (configured: 2026-q1)');
  });

  it('refuses altered ciphertext, a moved key id, and truncation', async () => {
    const [sealed] = await codec.encode([clear()]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 0x01;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow('payload under key "k1" failed authentication: the ciphertext was altered');
    // The same key bytes under another id: the id is authenticated, so relabelling is caught.
    const k1 = parsePayloadKeys(newPayloadKeyEntry('k1'));
    const twin = new EncryptionCodec({ current: 'k1', keys: new Map([['k1', k1.keys.get('k1')!], ['k9', k1.keys.get('k1')!]]) });
    const [mine] = await twin.encode([clear()]);
    const relabelled = { ...mine!, metadata: { ...mine!.metadata, 'encryption-key-id': Buffer.from('k9') } };
    await expect(twin.decode([relabelled])).rejects.toThrow('failed authentication');
    await expect(codec.decode([{ ...sealed!, data: Buffer.from(sealed!.data!).subarray(0, 10) }])).rejects.toThrow('is truncated');
  });
});

describe('LAAS_CODEC_UI_ORIGINS', () => {
  it('defaults to the dev server UI and accepts a list of origins', () => {
    expect(codecUiOriginsFromEnv({})).toEqual(['http://127.0.0.1:8233']);
    expect(codecUiOriginsFromEnv({ LAAS_CODEC_UI_ORIGINS: 'https://temporal.lab.example:443, http://localhost:8233' })).toEqual(['https://temporal.lab.example', 'http://localhost:8233']);
  });

  it('refuses what is not an origin, naming the variable', () => {
    expect(() => codecUiOriginsFromEnv({ LAAS_CODEC_UI_ORIGINS: 'http://127.0.0.1:8233/namespaces' })).toThrow('LAAS_CODEC_UI_ORIGINS entry 1 ("http://127.0.0.1:8233/namespaces") must be an origin');
    expect(() => codecUiOriginsFromEnv({ LAAS_CODEC_UI_ORIGINS: 'ui.lab' })).toThrow('LAAS_CODEC_UI_ORIGINS entry 1 ("ui.lab") is not a URL');
  });
});
