/**
 * The hypervisor reached over SSH: a real sshd box runs virsh and qemu-img for the
 * driver, against the same session libvirtd and temp directories as the local tests.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshCommandRunner, type SshRunnerOptions } from '../../drivers/headnode/command-runner';
import { HypervisorUnreachable } from '../../drivers/headnode/headnode';
import { LibvirtHeadnodes } from '../../drivers/headnode/libvirt';
import { startLibvirtd, type Libvirtd } from '../../sim/counterparts/libvirtd';
import { startSshd, type SshdBox } from '../../sim/counterparts/sshd';

const run = promisify(execFile);

let box: SshdBox;
let libvirtd: Libvirtd;
let dir: string;
let ssh: SshRunnerOptions;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laas-headnode-ssh-'));
  await mkdir(join(dir, 'images'));
  await mkdir(join(dir, 'overlays'));
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'images', 'headnode-base.qcow2'), '16M']);
  [box, libvirtd] = await Promise.all([startSshd(), startLibvirtd()]);
  const blob = Buffer.from(box.hostKey.split(' ')[1] ?? '', 'base64');
  ssh = {
    host: box.address,
    port: box.port,
    username: box.user,
    privateKey: box.privateKey,
    hostKeySha256: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
  };
});
afterAll(async () => {
  await box?.stop();
  await libvirtd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('SshCommandRunner against a real sshd', () => {
  it('delivers every argument literally through the remote shell, with stdin and the exit status', async () => {
    const runner = new SshCommandRunner(ssh);
    const args = ["it's", '$(id)', '; reboot', '*', 'a  b'];
    expect(await runner.run('printf', ['%s|', ...args])).toEqual({ code: 0, stdout: `${args.join('|')}|`, stderr: '' });
    expect((await runner.run('cat', [], { input: '<domain/>' })).stdout).toBe('<domain/>');
    expect((await runner.run('ls', ['/no/such/path'])).code).not.toBe(0);
  });

  it('refuses a hypervisor whose host key is not the pinned one', async () => {
    const runner = new SshCommandRunner({ ...ssh, hostKeySha256: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    await expect(runner.run('true', [])).rejects.toThrow();
    const driver = new LibvirtHeadnodes({ uri: libvirtd.testUri, imageDir: '/x', overlayDir: '/y', fabric: { kind: 'openvswitch', bridge: 'br-lab' } }, runner);
    await expect(driver.get('hn-any')).rejects.toBeInstanceOf(HypervisorUnreachable);
  });

  it('creates and destroys a headnode with virsh and qemu-img run on the hypervisor', async () => {
    const driver = new LibvirtHeadnodes(
      {
        uri: libvirtd.testUri,
        domainType: 'test',
        imageDir: join(dir, 'images'),
        overlayDir: join(dir, 'overlays'),
        fabric: { kind: 'openvswitch', bridge: 'br-lab' },
      },
      new SshCommandRunner(ssh),
    );
    const spec = { name: 'hn-remote', baseImage: 'headnode-base', vcpus: 1, memoryMiB: 256, networks: [{ name: 'public', vlan: 1020 }] };
    const headnode = await driver.create(spec);
    expect(headnode.state).toBe('running');
    expect(headnode.nics).toEqual([{ network: 'public', vlan: 1020, mac: expect.stringMatching(/^52:54:00:/) as string }]);
    expect(existsSync(join(dir, 'overlays', 'hn-remote.qcow2'))).toBe(true);
    await driver.destroy('hn-remote');
    expect(await driver.get('hn-remote')).toBeNull();
    expect(existsSync(join(dir, 'overlays', 'hn-remote.qcow2'))).toBe(false);
  });
});
