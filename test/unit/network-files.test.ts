import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InvalidInput } from '../../drivers/errors';
import { renderNetworkFiles, type HostNetworkPlan, type NetworkFiles, type OsFamily } from '../../drivers/host/network-files';

// Golden files hold the exact files per OS family; they were checked by hand against
// laas-pipeline.md (Host network files). Regenerate after a deliberate change with
// UPDATE_GOLDEN=1 and review the diff.
const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden', 'network-files');

/** One native network (public: DHCP + default route) and two tagged ones, over two NICs. */
const plan: HostNetworkPlan = {
  publicNetwork: 'public',
  nics: [
    { nic: 'eno1', native: { network: 'public', vlan: 1001 }, tagged: [{ network: 'private', vlan: 1002 }] },
    { nic: 'eno2', native: null, tagged: [{ network: 'storage', vlan: 1003 }] },
  ],
};

function asText(rendered: NetworkFiles): string {
  const files = rendered.files.map((f) => `==> ${f.path} (mode ${f.mode.toString(8).padStart(4, '0')}) <==\n${f.content}`);
  return `apply: ${rendered.apply.join(' ')}\n\n${files.join('\n')}`;
}

const families: OsFamily[] = ['netplan', 'ifupdown', 'rhel', 'suse'];

describe.each(families)('%s files for one native and two tagged networks', (family) => {
  it('match the golden file', async () => {
    const text = asText(renderNetworkFiles(family, plan));
    const golden = join(goldenDir, `${family}.txt`);
    if (process.env.UPDATE_GOLDEN) {
      await mkdir(goldenDir, { recursive: true });
      await writeFile(golden, text);
    }
    expect(text).toBe(await readFile(golden, 'utf8'));
  });
});

const byPath = (rendered: NetworkFiles): Record<string, string> => Object.fromEntries(rendered.files.map((f) => [f.path, f.content]));

describe('what the files say', () => {
  it('netplan: DHCP only on the public network, VLANs linked to their NIC', () => {
    const [file] = renderNetworkFiles('netplan', plan).files;
    const doc = parse(file?.content ?? '') as {
      network: { ethernets: Record<string, { dhcp4: boolean }>; vlans: Record<string, { id: number; link: string; dhcp4: boolean }> };
    };
    expect(doc.network.ethernets).toMatchObject({ eno1: { dhcp4: true }, eno2: { dhcp4: false } });
    expect(doc.network.vlans).toMatchObject({
      'eno1.1002': { id: 1002, link: 'eno1', dhcp4: false },
      'eno2.1003': { id: 1003, link: 'eno2', dhcp4: false },
    });
    expect(file?.mode).toBe(0o600);
  });

  it('a tagged public network gets DHCP on its VLAN interface, and the NIC none', () => {
    const files = byPath(
      renderNetworkFiles('rhel', {
        publicNetwork: 'public',
        nics: [{ nic: 'eno1', native: { network: 'mgmt', vlan: 1010 }, tagged: [{ network: 'public', vlan: 1011 }] }],
      }),
    );
    expect(files['/etc/sysconfig/network-scripts/ifcfg-eno1']).toMatch(/BOOTPROTO=none\n[\s\S]*DEFROUTE=no/);
    expect(files['/etc/sysconfig/network-scripts/ifcfg-eno1.1011']).toMatch(/BOOTPROTO=dhcp\n[\s\S]*DEFROUTE=yes/);
  });

  it('a host without the public network gets no DHCP anywhere', () => {
    const rendered = renderNetworkFiles('ifupdown', { ...plan, publicNetwork: 'elsewhere' });
    expect(rendered.files.map((f) => f.content).join('')).not.toMatch(/inet dhcp/);
  });

  it('a NIC with no networks gets no file', () => {
    const rendered = renderNetworkFiles('suse', { publicNetwork: null, nics: [{ nic: 'eno3', native: null, tagged: [] }] });
    expect(rendered.files).toEqual([]);
  });

  it('a network name cannot inject lines into a file', () => {
    const hostile = 'x\nBOOTPROTO=dhcp\nDEFROUTE=yes';
    const files = byPath(renderNetworkFiles('rhel', { publicNetwork: null, nics: [{ nic: 'eno1', native: { network: hostile, vlan: 5 }, tagged: [] }] }));
    expect(files['/etc/sysconfig/network-scripts/ifcfg-eno1']?.match(/BOOTPROTO=/g)).toHaveLength(1);
    expect(files['/etc/sysconfig/network-scripts/ifcfg-eno1']).toMatch(/BOOTPROTO=none/);
  });
});

describe('plans refused with a reason', () => {
  const nic = (name: string, native: number | null, ...tagged: number[]) => ({
    nic: name,
    native: native === null ? null : { network: `n${native}`, vlan: native },
    tagged: tagged.map((vlan) => ({ network: `n${vlan}`, vlan })),
  });
  it.each([
    ['an interface name with a shell character', { publicNetwork: null, nics: [nic('eno1;reboot', 5)] }, /interface name/],
    ['a dotted interface name', { publicNetwork: null, nics: [nic('eno1.5', 5)] }, /interface name/],
    ['VLAN 0', { publicNetwork: null, nics: [nic('eno1', 0)] }, /1 to 4094/],
    ['VLAN 4095', { publicNetwork: null, nics: [nic('eno1', null, 4095)] }, /1 to 4094/],
    ['the same VLAN native and tagged', { publicNetwork: null, nics: [nic('eno1', 7, 7)] }, /twice on the same NIC/],
    ['the same NIC twice', { publicNetwork: null, nics: [nic('eno1', 7), nic('eno1', 8)] }, /appears twice/],
    ['a VLAN interface name over 15 characters', { publicNetwork: null, nics: [nic('enp175s0f0np0', null, 100)] }, /15 characters/],
    ['the public network on two NICs', { publicNetwork: 'n5', nics: [nic('eno1', 5), nic('eno2', null, 5)] }, /one default route/],
  ])('%s', (_name, badPlan, reason) => {
    expect(() => renderNetworkFiles('netplan', badPlan)).toThrow(InvalidInput);
    expect(() => renderNetworkFiles('netplan', badPlan)).toThrow(reason);
  });

  it('an unknown OS family', () => {
    expect(() => renderNetworkFiles('windows' as OsFamily, plan)).toThrow(/OS family/);
  });
});
