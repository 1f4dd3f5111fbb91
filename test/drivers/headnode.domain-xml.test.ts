import { describe, expect, it } from 'vitest';
import { consoleOf, domainXml, nicsOf, stateOf } from '../../drivers/headnode/domain-xml';

const plan = {
  spec: { name: 'hn-x', baseImage: 'base', vcpus: 1, memoryMiB: 256, networks: [{ name: 'public', vlan: 1001 }] },
  domainType: 'kvm' as const,
  overlay: '/var/lib/laas/overlays/hn-x.qcow2',
  fabric: { kind: 'openvswitch' as const, bridge: 'br-lab' },
  vncListen: '127.0.0.1',
};

// What libvirt prints for a running QEMU domain's graphics and NIC (formatting as in `virsh dumpxml`).
const runningQemu = `<domain type='kvm' id='7'>
  <name>hn-x</name>
  <metadata>
    <laas:headnode xmlns:laas="urn:laas:headnode:1">
      <laas:network name="public" vlan="1001"/>
    </laas:headnode>
  </metadata>
  <devices>
    <interface type='bridge'>
      <mac address='52:54:00:12:34:56'/>
      <source bridge='br-lab'/>
      <vlan>
        <tag id='1001'/>
      </vlan>
      <virtualport type='openvswitch'>
        <parameters interfaceid='0d7c3f36-5b4b-4e59-9a0e-1f0f7e2f7c11'/>
      </virtualport>
      <target dev='vnet3'/>
      <model type='virtio'/>
      <alias name='net0'/>
    </interface>
    <graphics type='vnc' port='5903' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
  </devices>
</domain>`;

describe('headnode domain XML', () => {
  it('reads the NIC, its booking network and VLAN, and the VNC console libvirt assigned', () => {
    expect(nicsOf(runningQemu, plan.fabric)).toEqual([{ network: 'public', vlan: 1001, mac: '52:54:00:12:34:56' }]);
    expect(consoleOf(runningQemu)).toEqual({ type: 'vnc', host: '127.0.0.1', port: 5903 });
    expect(consoleOf(runningQemu, 'hypervisor.lab')).toEqual({ type: 'vnc', host: 'hypervisor.lab', port: 5903 });
  });

  it('reports no console while the port is still automatic (-1)', () => {
    expect(consoleOf(runningQemu.replace("port='5903'", "port='-1'"))).toBeUndefined();
  });

  it('maps virsh domstate words onto the three states the workflow knows', () => {
    expect(stateOf('running\n')).toBe('running');
    expect(stateOf('shut off\n')).toBe('shut off');
    expect(stateOf('paused\n')).toBe('other');
  });

  it('escapes values in the XML it writes even though they were validated', () => {
    const xml = domainXml({ ...plan, overlay: "/tmp/it's&<x>.qcow2" });
    expect(xml).toContain("<source file='/tmp/it&apos;s&amp;&lt;x&gt;.qcow2'/>");
    expect(xml).toContain("<tag id='1001'/>");
  });
});
