/**
 * What every HeadnodeDriver must do, run against a real hypervisor. The probe
 * asks the hypervisor and the disk directly, not through the driver.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import { type HeadnodeDriver, type HeadnodeSpec } from '../../drivers/headnode/headnode';

export interface HeadnodeProbe {
  /** Names of every domain the hypervisor has, running or not. */
  domains(): Promise<string[]>;
  /** The headnode's disk as it is on the hypervisor: absent, or present with its backing file. */
  disk(name: string): Promise<{ exists: boolean; backingFile?: string }>;
}

export interface HeadnodeSubject {
  driver: HeadnodeDriver;
  probe: HeadnodeProbe;
  /** A base image name the hypervisor has, and the file a headnode disk must be backed by. */
  baseImage: string;
  baseImagePath: string;
}

let counter = 0;
const uniqueName = (base: string): string => `${base}-${process.pid}-${++counter}`;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

export function headnodeConformance(label: string, factory: () => Promise<HeadnodeSubject> | HeadnodeSubject): void {
  describe(`HeadnodeDriver conformance: ${label}`, () => {
    let subject: HeadnodeSubject;
    beforeAll(async () => {
      subject = await factory();
    });
    const spec = (name: string, networks = [{ name: 'public', vlan: 1001 }, { name: 'private', vlan: 1002 }]): HeadnodeSpec => ({
      name,
      baseImage: subject.baseImage,
      vcpus: 1,
      memoryMiB: 256,
      networks,
    });

    it('creates a running headnode with one NIC per booking network on a copy-on-write disk', async () => {
      const name = uniqueName('hn-create');
      const headnode = await subject.driver.create(spec(name));
      expect(headnode.name).toBe(name);
      expect(headnode.state).toBe('running');
      expect(headnode.nics.map(({ network, vlan }) => ({ network, vlan }))).toEqual([
        { network: 'public', vlan: 1001 },
        { network: 'private', vlan: 1002 },
      ]);
      for (const nic of headnode.nics) expect(nic.mac).toMatch(MAC);
      expect(new Set(headnode.nics.map((n) => n.mac)).size).toBe(2);
      expect(await subject.driver.get(name)).toEqual(headnode);
      expect(await subject.probe.disk(name)).toEqual({ exists: true, backingFile: subject.baseImagePath });
      await subject.driver.destroy(name);
    });

    it('creating twice gives one domain, returned as it is', async () => {
      const name = uniqueName('hn-twice');
      const first = await subject.driver.create(spec(name));
      const second = await subject.driver.create(spec(name));
      expect(second).toEqual(first);
      expect((await subject.probe.domains()).filter((d) => d === name)).toEqual([name]);
      await subject.driver.destroy(name);
    });

    it('destroy leaves no domain and no disk, and destroying again or destroying nothing is a no-op', async () => {
      const name = uniqueName('hn-destroy');
      await subject.driver.create(spec(name, [{ name: 'public', vlan: 1003 }]));
      await subject.driver.destroy(name);
      expect(await subject.probe.domains()).not.toContain(name);
      expect(await subject.probe.disk(name)).toEqual({ exists: false });
      expect(await subject.driver.get(name)).toBeNull();
      await expect(subject.driver.destroy(name)).resolves.toBeUndefined();
      await expect(subject.driver.destroy(uniqueName('hn-never'))).resolves.toBeUndefined();
    });

    it('refuses names and values that are unsafe or ambiguous before creating anything', async () => {
      const before = await subject.probe.domains();
      const bad: HeadnodeSpec[] = [
        spec('../etc/passwd'),
        spec('hn one'),
        spec("hn'><x"),
        spec('1'), // virsh would take it as a domain id
        spec('deadbeef-0000-4000-8000-000000000000'), // ... or as a UUID
        spec(uniqueName('hn-vlan'), [{ name: 'public', vlan: 4095 }]),
        spec(uniqueName('hn-none'), []),
        spec(uniqueName('hn-dup'), [{ name: 'a', vlan: 1 }, { name: 'a', vlan: 2 }]),
        { ...spec(uniqueName('hn-image')), baseImage: '../../secret' },
        { ...spec(uniqueName('hn-cpu')), vcpus: 0 },
      ];
      for (const s of bad) await expect(subject.driver.create(s)).rejects.toBeInstanceOf(InvalidInput);
      await expect(subject.driver.destroy('1')).rejects.toBeInstanceOf(InvalidInput);
      await expect(subject.driver.get('a/b')).rejects.toBeInstanceOf(InvalidInput);
      expect(await subject.probe.domains()).toEqual(before);
    });

    it('answers null for a headnode that does not exist', async () => {
      expect(await subject.driver.get(uniqueName('hn-missing'))).toBeNull();
    });
  });
}
