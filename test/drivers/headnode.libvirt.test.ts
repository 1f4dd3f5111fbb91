import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadnodeRejected, HypervisorUnreachable, type HeadnodeSpec } from '../../drivers/headnode/headnode';
import { LibvirtHeadnodes } from '../../drivers/headnode/libvirt';
import { type LibvirtHeadnodeInput } from '../../drivers/headnode/libvirt-options';
import { startLibvirtd, type Libvirtd } from '../../sim/counterparts/libvirtd';
import { headnodeConformance, type HeadnodeProbe } from './headnode.conformance';

const run = promisify(execFile);

let libvirtd: Libvirtd;
let dir: string;
let imageDir: string;
let overlayDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laas-headnode-'));
  imageDir = join(dir, 'images');
  overlayDir = join(dir, 'overlays');
  await mkdir(imageDir);
  await mkdir(overlayDir);
  // A tiny, sparse base image: the test hypervisor never boots it, but the overlays on it are real qcow2.
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', join(imageDir, 'headnode-base.qcow2'), '16M']);
  libvirtd = await startLibvirtd();
});
afterAll(async () => {
  await libvirtd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const options = (extra: Partial<LibvirtHeadnodeInput> = {}): LibvirtHeadnodeInput => ({
  uri: libvirtd.testUri,
  domainType: 'test',
  imageDir,
  overlayDir,
  fabric: { kind: 'openvswitch', bridge: 'br-lab' },
  timeoutMs: 20_000,
  ...extra,
});

const virsh = async (...args: string[]): Promise<string> => (await run('virsh', ['-q', '-c', libvirtd.testUri, ...args])).stdout;

const probe: HeadnodeProbe = {
  domains: async () => (await virsh('list', '--all', '--name')).split('\n').filter(Boolean),
  disk: async (name) => {
    const path = join(overlayDir, `${name}.qcow2`);
    if (!existsSync(path)) return { exists: false };
    const info = JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', path])).stdout) as { 'backing-filename'?: string };
    return { exists: true, backingFile: info['backing-filename'] };
  },
};

headnodeConformance('libvirt test driver through a session libvirtd, overlays by qemu-img', () => ({
  driver: new LibvirtHeadnodes(options()),
  probe,
  baseImage: 'headnode-base',
  baseImagePath: join(imageDir, 'headnode-base.qcow2'),
}));

const spec = (name: string): HeadnodeSpec => ({
  name,
  baseImage: 'headnode-base',
  vcpus: 2,
  memoryMiB: 512,
  networks: [
    { name: 'public', vlan: 1010 },
    { name: 'storage', vlan: 1011 },
  ],
});

describe('LibvirtHeadnodes', () => {
  it('puts each NIC on the OVS bridge as a port tagged with its VLAN, on the overlay disk', async () => {
    const driver = new LibvirtHeadnodes(options());
    await driver.create(spec('hn-ovs'));
    const xml = await virsh('dumpxml', 'hn-ovs');
    const nics = [...xml.matchAll(/<interface[\s\S]*?<\/interface>/g)].map((m) => m[0]);
    expect(nics).toHaveLength(2);
    nics.forEach((nic, i) => {
      expect(nic).toContain("<source bridge='br-lab'/>");
      expect(nic).toContain("<virtualport type='openvswitch'>");
      expect(nic).toContain(`<tag id='${1010 + i}'/>`);
    });
    expect(xml).toContain(`<source file='${join(overlayDir, 'hn-ovs.qcow2')}'/>`);
    expect(xml).toMatch(/<vcpu[^>]*>2<\/vcpu>/);
    await driver.destroy('hn-ovs');
  });

  it('puts each NIC on its VLAN bridge when the fabric is one bridge per VLAN', async () => {
    const driver = new LibvirtHeadnodes(options({ fabric: { kind: 'bridge-per-vlan', prefix: 'brv' } }));
    const headnode = await driver.create(spec('hn-bridges'));
    expect(headnode.nics.map((n) => [n.network, n.vlan])).toEqual([
      ['public', 1010],
      ['storage', 1011],
    ]);
    const xml = await virsh('dumpxml', 'hn-bridges');
    expect([...xml.matchAll(/<source bridge='([^']+)'\/>/g)].map((m) => m[1])).toEqual(['brv1010', 'brv1011']);
    expect(xml).not.toContain('openvswitch');
    await driver.destroy('hn-bridges');
  });

  it('starts again a headnode found shut off, keeping its NICs', async () => {
    const driver = new LibvirtHeadnodes(options());
    const first = await driver.create(spec('hn-restart'));
    await virsh('destroy', 'hn-restart');
    expect((await driver.get('hn-restart'))?.state).toBe('shut off');
    const again = await driver.create(spec('hn-restart'));
    expect(again.state).toBe('running');
    expect(again.nics).toEqual(first.nics);
    await driver.destroy('hn-restart');
  });

  it('refuses a missing base image without leaving a domain or a disk behind', async () => {
    const driver = new LibvirtHeadnodes(options());
    const err = await driver.create({ ...spec('hn-nobase'), baseImage: 'no-such-image' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeadnodeRejected);
    expect((err as HeadnodeRejected).retryable).toBe(false);
    expect(await probe.domains()).not.toContain('hn-nobase');
    expect(await probe.disk('hn-nobase')).toEqual({ exists: false });
  });

  it('reuses the overlay a dead attempt left, and never overwrites a file that is not its overlay', async () => {
    const driver = new LibvirtHeadnodes(options());
    const leftover = join(overlayDir, 'hn-leftover.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', join(imageDir, 'headnode-base.qcow2'), '-F', 'qcow2', leftover]);
    const { ino } = await stat(leftover);
    await driver.create(spec('hn-leftover'));
    expect((await stat(leftover)).ino).toBe(ino);
    await driver.destroy('hn-leftover');

    const stranger = join(overlayDir, 'hn-stranger.qcow2');
    await writeFile(stranger, 'somebody else\n');
    await expect(driver.create(spec('hn-stranger'))).rejects.toBeInstanceOf(HeadnodeRejected);
    expect(await readFile(stranger, 'utf8')).toBe('somebody else\n');
    expect(await probe.domains()).not.toContain('hn-stranger');
    await rm(stranger);
  });

  it('removes an overlay whose domain was never defined', async () => {
    const driver = new LibvirtHeadnodes(options());
    const orphan = join(overlayDir, 'hn-orphan.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', join(imageDir, 'headnode-base.qcow2'), '-F', 'qcow2', orphan]);
    await driver.destroy('hn-orphan');
    expect(existsSync(orphan)).toBe(false);
  });

  it('reports a hypervisor that does not answer as HypervisorUnreachable (retryable)', async () => {
    const driver = new LibvirtHeadnodes(options({ uri: `test+unix:///default?socket=${join(dir, 'no-such.sock')}` }));
    const err = await driver.get('hn-any').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HypervisorUnreachable);
    expect((err as HypervisorUnreachable).retryable).toBe(true);
  });
});
