// The SSH host driver against a real OpenSSH sshd (sim/counterparts/sshd.ts): the shared
// conformance suite, then what only a real sshd can show.
import { access, link, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname as localHostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import { HostAuthFailed, HostCommandFailed, HostKeyMismatch, HostUnreachable, type HostTarget } from '../../drivers/host/host';
import { MemoryHostKeyStore, rememberHostKeys } from '../../drivers/host/host-key-book';
import { SshHostDriver } from '../../drivers/host/ssh';
import { installKeys, removeKeys } from '../../drivers/host/ssh-keys';
import { generateKeyPair, startSshd, type SshdBox } from '../../sim/counterparts/sshd';
import { hostDriverConformance } from './host.conformance';

const refuseUnpinned = (): never => {
  throw new Error('test targets are pinned');
};
const fastDriver = (): SshHostDriver =>
  new SshHostDriver({ onFirstContact: refuseUnpinned, connectTimeoutMs: 5000, firstRebootPollMs: 100, maxRebootPollMs: 1000 });
const targetOf = (box: SshdBox): HostTarget => ({
  name: 'box',
  address: box.address,
  port: box.port,
  username: box.user,
  privateKey: box.privateKey,
  hostKey: box.hostKey,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure, got success');
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

hostDriverConformance('ssh against OpenSSH sshd', async () => {
  const box = await startSshd({ rebootDelayMs: 300 });
  return {
    driver: fastDriver(),
    target: targetOf(box),
    scratchDir: box.scratch,
    fileMode: async (path) => (await stat(path)).mode & 0o7777,
    rebootTimeoutMs: 20_000,
    stop: () => box.stop(),
  };
});

describe('SshHostDriver on a real sshd', () => {
  let box: SshdBox;
  let target: HostTarget;
  const driver = fastDriver();

  beforeAll(async () => {
    box = await startSshd({ hostname: 'box-before' });
    target = targetOf(box);
  });
  afterAll(async () => {
    await box?.stop();
  });

  describe('atomic writes', () => {
    it('sets owner and group as asked', async () => {
      const file = join(box.scratch, 'owned');
      await driver.writeFile(target, file, 'x', { mode: 0o640, owner: 'nobody:nogroup' });
      const info = await stat(file);
      expect([info.uid, info.gid, info.mode & 0o7777]).toEqual([65534, 65534, 0o640]);
    });

    it('replaces the file by rename: a reader holding the old file still sees the old content', async () => {
      const file = join(box.scratch, 'swap');
      await driver.writeFile(target, file, 'version 1', { mode: 0o644 });
      await link(file, `${file}.held`);
      await driver.writeFile(target, file, 'version 2', { mode: 0o644 });
      expect(await readFile(`${file}.held`, 'utf8')).toBe('version 1');
      expect(await readFile(file, 'utf8')).toBe('version 2');
    });

    it('never hands content to a shell', async () => {
      const marker = join(box.scratch, 'pwned');
      await driver.writeFile(target, join(box.scratch, 'payload'), `$(touch ${marker})\n\`touch ${marker}\``, { mode: 0o644 });
      expect(await exists(marker)).toBe(false);
    });

    it('leaves neither the target nor a temporary file behind when the owner cannot be set', async () => {
      await mkdir(join(box.scratch, 'clean'));
      const err = await rejection(driver.writeFile(target, join(box.scratch, 'clean/file'), 'x', { mode: 0o644, owner: 'no-such-user' }));
      expect(err).toBeInstanceOf(HostCommandFailed);
      expect(await readdir(join(box.scratch, 'clean'))).toEqual([]);
    });
  });

  describe('hostname and reboot on a host without systemd', () => {
    it('falls back to /etc/hostname and leaves this machine’s name alone', async () => {
      const mine = localHostname();
      await driver.setHostname(target, 'node-42');
      expect(await readFile(join(box.etcChanges, 'hostname'), 'utf8')).toBe('node-42\n');
      expect((await driver.exec(target, ['hostname'])).stdout).toBe('node-42\n');
      expect(localHostname()).toBe(mine);
    });

    it('really reboots: the boot id changes', async () => {
      const before = await readFile(join(box.dir, 'boot_id'), 'utf8');
      await driver.reboot(target, { timeoutMs: 20_000 });
      const after = (await driver.exec(target, ['cat', '/proc/sys/kernel/random/boot_id'])).stdout;
      expect(after).not.toBe(before);
      expect(after).toBe(await readFile(join(box.dir, 'boot_id'), 'utf8'));
    });
  });

  describe('host keys', () => {
    it('refuses a host whose key is not the pinned one, and runs nothing there', async () => {
      const other = await generateKeyPair(box.dir, 'impostor');
      const marker = join(box.scratch, 'ran-despite-mismatch');
      const err = await rejection(driver.exec({ ...target, hostKey: other.publicKey }, ['touch', marker]));
      expect(err).toBeInstanceOf(HostKeyMismatch);
      expect((err as Error).message).toMatch(/SHA256:/);
      expect(await exists(marker)).toBe(false);
    });

    it('hands the key seen at first contact to the caller, exactly as the host holds it', async () => {
      const seen: [string, string][] = [];
      const trusting = new SshHostDriver({ onFirstContact: (host, key) => void seen.push([host, key]) });
      const { hostKey: _pin, ...unpinned } = target;
      await trusting.exec(unpinned, ['true']);
      expect(seen).toEqual([['box', box.hostKey]]);
    });

    it('runs nothing on a first-contact host the caller refuses', async () => {
      const marker = join(box.scratch, 'ran-on-refused-host');
      const refusing = new SshHostDriver({
        onFirstContact: () => {
          throw new Error('not in the inventory');
        },
      });
      const { hostKey: _pin, ...unpinned } = target;
      await expect(refusing.exec(unpinned, ['touch', marker])).rejects.toThrow('not in the inventory');
      expect(await exists(marker)).toBe(false);
    });

    it('with a key store, keeps the first key a host shows and refuses any other later', async () => {
      const store = new MemoryHostKeyStore();
      const remembering = new SshHostDriver({ onFirstContact: rememberHostKeys(store) });
      const { hostKey: _pin, ...unpinned } = target;
      await remembering.exec(unpinned, ['true']);
      expect(store.get('box')).toBe(box.hostKey);
      await remembering.exec(unpinned, ['true']);

      store.set('box', (await generateKeyPair(box.dir, 'remembered-other')).publicKey);
      const marker = join(box.scratch, 'ran-with-changed-key');
      expect(await rejection(remembering.exec(unpinned, ['touch', marker]))).toBeInstanceOf(HostKeyMismatch);
      expect(await exists(marker)).toBe(false);
    });

    it('refuses a malformed pinned key as bad input', async () => {
      expect(await rejection(driver.exec({ ...target, hostKey: 'ssh-ed25519 not-a-key' }, ['true']))).toBeInstanceOf(InvalidInput);
    });
  });

  describe('failures to reach or log in', () => {
    let silent: Server;
    let silentPort = 0;
    const held = new Set<Socket>();
    beforeAll(async () => {
      // Accepts TCP and never says a word: a host hanging mid-boot.
      silent = createServer((socket) => {
        held.add(socket);
        socket.on('close', () => held.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      silentPort = typeof address === 'object' && address ? address.port : 0;
    });
    afterAll(async () => {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('a refused key is HostAuthFailed', async () => {
      const stranger = await generateKeyPair(box.dir, 'stranger');
      expect(await rejection(driver.exec({ ...target, privateKey: stranger.privateKey }, ['true']))).toBeInstanceOf(HostAuthFailed);
    });

    it('a closed port is HostUnreachable', async () => {
      const closed = await new Promise<number>((resolve) => {
        const s = createServer();
        s.listen(0, '127.0.0.1', () => {
          const a = s.address();
          s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
        });
      });
      expect(await rejection(driver.exec({ ...target, port: closed }, ['true']))).toBeInstanceOf(HostUnreachable);
    });

    it('a host that never answers is HostUnreachable once its connect timeout passes', async () => {
      const impatient = new SshHostDriver({ onFirstContact: refuseUnpinned, connectTimeoutMs: 300 });
      const err = await rejection(impatient.exec({ ...target, port: silentPort }, ['true']));
      expect(err).toBeInstanceOf(HostUnreachable);
      expect((err as Error).message).toMatch(/within 300 ms/);
    });

    it('an unparsable private key is bad input and its text is not repeated', async () => {
      const err = await rejection(driver.exec({ ...target, privateKey: 'SECRET-GARBAGE' }, ['true']));
      expect(err).toBeInstanceOf(InvalidInput);
      expect((err as Error).message).not.toContain('SECRET-GARBAGE');
    });
  });

  describe('booking keys on the host', () => {
    const existing = '# the image\'s keys\r\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJkdHmaintainer ops\r\n\r\n# last line, no newline';
    const bookingLogin = async (privateKey: string): Promise<string> => (await driver.exec({ ...target, privateKey }, ['id', '-un'])).stdout.trim();

    it('creates ~/.ssh with mode 700 when the user has none', async () => {
      const user = await generateKeyPair(box.dir, 'first');
      await installKeys(driver, target, 'root', 'b-41', [user.publicKey]);
      expect((await stat(join(box.home, '.ssh'))).mode & 0o777).toBe(0o700);
      expect(await bookingLogin(user.privateKey)).toBe('root');
      await removeKeys(driver, target, 'root', 'b-41');
      expect(await rejection(bookingLogin(user.privateKey))).toBeInstanceOf(HostAuthFailed);
    });

    it('lets the booking’s key log in, then locks it out again, leaving other lines byte for byte', async () => {
      const user = await generateKeyPair(box.dir, 'booker');
      const file = join(box.home, '.ssh', 'authorized_keys');
      await writeFile(file, existing, { mode: 0o600 });

      expect(await rejection(bookingLogin(user.privateKey))).toBeInstanceOf(HostAuthFailed);
      expect(await installKeys(driver, target, 'root', 'b-42', [user.publicKey])).toEqual({ path: '/root/.ssh/authorized_keys', changed: true });
      expect(await bookingLogin(user.privateKey)).toBe('root');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await installKeys(driver, target, 'root', 'b-42', [user.publicKey])).toMatchObject({ changed: false });
      expect((await readFile(file, 'utf8')).match(/laas-booking=b-42/g)).toHaveLength(1);

      expect(await removeKeys(driver, target, 'root', 'b-42')).toMatchObject({ changed: true });
      expect(await readFile(file, 'utf8')).toBe(`${existing}\n`);
      expect(await rejection(bookingLogin(user.privateKey))).toBeInstanceOf(HostAuthFailed);
      expect(await removeKeys(driver, target, 'root', 'b-42')).toMatchObject({ changed: false });
    });

    it('refuses a hostile key without touching the file', async () => {
      const file = join(box.home, '.ssh', 'authorized_keys');
      const before = await readFile(file, 'utf8');
      const user = await generateKeyPair(box.dir, 'hostile');
      const err = await rejection(installKeys(driver, target, 'root', 'b-43', [user.publicKey, `command="touch /tmp/x" ${user.publicKey}`]));
      expect(err).toBeInstanceOf(InvalidInput);
      expect((err as Error).message).toMatch(/SSH key 2/);
      expect(await readFile(file, 'utf8')).toBe(before);
    });

    it('reports a user the host cannot take keys for, and treats a missing user as nothing to remove', async () => {
      const user = await generateKeyPair(box.dir, 'nobody-key');
      // nobody's home (/nonexistent) does not exist: the host refuses, typed.
      expect(await rejection(installKeys(driver, target, 'nobody', 'b-44', [user.publicKey]))).toBeInstanceOf(HostCommandFailed);
      expect(await rejection(installKeys(driver, target, 'no-such-user', 'b-44', [user.publicKey]))).toBeInstanceOf(InvalidInput);
      expect(await removeKeys(driver, target, 'no-such-user', 'b-44')).toEqual({ path: null, changed: false });
    });
  });
});
