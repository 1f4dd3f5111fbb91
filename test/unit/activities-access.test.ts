// The access step and its undo on a real OpenSSH sshd playing a freshly imaged host that has no
// ~/.ssh (sim/counterparts/sshd.ts): the activities as the worker runs them, the lab's inventory
// pointing host sim-01 at the box; whether a key logs in is asked of the box's sshd.
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HostAuthFailed, type HostTarget } from '../../drivers/host/host';
import type { SshHostDriver } from '../../drivers/host/ssh';
import { generateKeyPair, type KeyPair, type SshdBox } from '../../sim/counterparts/sshd';
import { activityEnv, hostBox, rejection, simActivities, type SimActivities } from './activities-support';

const HOST = 'sim-01';
const run = <T>(work: () => Promise<T>): Promise<T> => activityEnv(null).run(work);

describe('access step on a host without ~/.ssh', () => {
  let box: SshdBox;
  let lab: SimActivities;
  let driver: SshHostDriver;
  let alice: KeyPair;
  let bob: KeyPair;
  const keysFile = (): string => join(box.home, '.ssh', 'authorized_keys');
  const target = (key: KeyPair): HostTarget => ({ name: HOST, address: box.address, port: box.port, username: 'root', privateKey: key.privateKey, hostKey: box.hostKey });
  const logsIn = async (key: KeyPair): Promise<boolean> => {
    try {
      await driver.exec(target(key), ['true']);
      return true;
    } catch (err) {
      if (err instanceof HostAuthFailed) return false;
      throw err;
    }
  };

  beforeAll(async () => {
    ({ box, lab, driver } = await hostBox(HOST));
    alice = await generateKeyPair(box.dir, 'alice');
    bob = await generateKeyPair(box.dir, 'bob');
  });
  afterAll(async () => {
    await box?.stop();
  });
  afterEach(async () => {
    await rm(join(box.home, '.ssh'), { recursive: true, force: true });
  });

  it('creates ~/.ssh (700) and authorized_keys (600): the booking’s key logs in, and out again after the undo', async () => {
    expect(await logsIn(alice)).toBe(false);
    const { beats, run: runIn } = activityEnv(null);
    expect(await runIn(() => lab.activities.installSshKeys({ bookingId: 'b-1', host: HOST, keys: [alice.publicKey] }))).toEqual({ attempt: 1 });
    expect(beats.length).toBeGreaterThan(0);
    expect((await stat(join(box.home, '.ssh'))).mode & 0o777).toBe(0o700);
    expect((await stat(keysFile())).mode & 0o777).toBe(0o600);
    expect(await readFile(keysFile(), 'utf8')).toBe(`${alice.publicKey} laas-booking=b-1\n`);
    expect(await logsIn(alice)).toBe(true);

    await run(() => lab.activities.removeSshKeys({ bookingId: 'b-1', host: HOST }));
    expect(await logsIn(alice)).toBe(false);
    // The file held the booking's key only: it is gone with it.
    expect(await readdir(join(box.home, '.ssh'))).toEqual([]);
  });

  it('a retried install adds nothing; the undo removes exactly the booking’s lines and leaves every other byte', async () => {
    await mkdir(join(box.home, '.ssh'), { mode: 0o700 });
    const others = `# the image's keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJkdHmaintainer ops\n${bob.publicKey} laas-booking=b-other\n`;
    await writeFile(keysFile(), others, { mode: 0o600 });
    const install = () => run(() => lab.activities.installSshKeys({ bookingId: 'b-2', host: HOST, keys: [alice.publicKey] }));
    await install();
    await install();
    expect(await readFile(keysFile(), 'utf8')).toBe(`${others}${alice.publicKey} laas-booking=b-2\n`);
    expect([await logsIn(alice), await logsIn(bob)]).toEqual([true, true]);

    await run(() => lab.activities.removeSshKeys({ bookingId: 'b-2', host: HOST }));
    expect(await readFile(keysFile(), 'utf8')).toBe(others);
    expect([await logsIn(alice), await logsIn(bob)]).toEqual([false, true]);
  });

  it('the undo with nothing to undo (no ~/.ssh, or no line of the booking) succeeds and changes nothing', async () => {
    await run(() => lab.activities.removeSshKeys({ bookingId: 'b-3', host: HOST }));
    expect(await readdir(box.home)).toEqual([]);
    await mkdir(join(box.home, '.ssh'), { mode: 0o700 });
    await writeFile(keysFile(), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJkdHmaintainer ops', { mode: 0o600 });
    await run(() => lab.activities.removeSshKeys({ bookingId: 'b-3', host: HOST }));
    expect(await readFile(keysFile(), 'utf8')).toBe('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJkdHmaintainer ops');
  });

  it('a key that is not a public key fails for good and the host is not touched', async () => {
    const err = await rejection(run(() => lab.activities.installSshKeys({ bookingId: 'b-4', host: HOST, keys: [alice.publicKey, 'from="*" ssh-rsa AAAA'] })));
    expect(err).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(await readdir(box.home)).toEqual([]);
  });
});

describe('access step on the simulated lab', () => {
  it('installs root’s keys once and the undo leaves the host as it found it', async () => {
    const lab = simActivities();
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop';
    await run(() => lab.activities.installSshKeys({ bookingId: 'b-5', host: HOST, keys: [key] }));
    await run(() => lab.activities.installSshKeys({ bookingId: 'b-5', host: HOST, keys: [key] }));
    expect(lab.simLab.host(HOST).files.get('/root/.ssh/authorized_keys')?.content).toBe(`${key} laas-booking=b-5\n`);
    await run(() => lab.activities.removeSshKeys({ bookingId: 'b-5', host: HOST }));
    expect(lab.simLab.residue()).toEqual([]);
  });
});
