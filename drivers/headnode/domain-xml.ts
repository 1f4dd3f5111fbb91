/**
 * The headnode's libvirt domain XML, both ways. Written from validated values
 * (and escaped anyway); read back from what libvirt prints, which is machine
 * formatted, so a few anchored patterns are enough and no XML library is needed.
 */
import { type Headnode, type HeadnodeSpec } from './headnode';

export type Fabric = { kind: 'openvswitch'; bridge: string } | { kind: 'bridge-per-vlan'; prefix: string };

export interface DomainPlan {
  spec: HeadnodeSpec;
  domainType: 'kvm' | 'qemu' | 'test';
  overlay: string;
  fabric: Fabric;
  vncListen: string;
}

/** Our own namespace in <metadata>: which booking network each NIC is, in NIC order. */
export const LAAS_XMLNS = 'urn:laas:headnode:1';

const escapeXml = (value: string | number): string =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

const unescapeXml = (value: string): string =>
  value.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e] ?? '');

function nicXml(network: { vlan: number }, fabric: Fabric): string {
  if (fabric.kind === 'openvswitch') {
    // An access port on the OVS bridge: the tag keeps the headnode on exactly this booking VLAN.
    return [
      `    <interface type='bridge'>`,
      `      <source bridge='${escapeXml(fabric.bridge)}'/>`,
      `      <virtualport type='openvswitch'/>`,
      `      <vlan><tag id='${escapeXml(network.vlan)}'/></vlan>`,
      `      <model type='virtio'/>`,
      `    </interface>`,
    ].join('\n');
  }
  return [
    `    <interface type='bridge'>`,
    `      <source bridge='${escapeXml(`${fabric.prefix}${network.vlan}`)}'/>`,
    `      <model type='virtio'/>`,
    `    </interface>`,
  ].join('\n');
}

export function domainXml(plan: DomainPlan): string {
  const { spec } = plan;
  const networks = spec.networks.map((n) => `      <laas:network name='${escapeXml(n.name)}' vlan='${escapeXml(n.vlan)}'/>`);
  return [
    `<domain type='${escapeXml(plan.domainType)}'>`,
    `  <name>${escapeXml(spec.name)}</name>`,
    `  <metadata>`,
    `    <laas:headnode xmlns:laas='${LAAS_XMLNS}'>`,
    ...networks,
    `    </laas:headnode>`,
    `  </metadata>`,
    `  <memory unit='MiB'>${escapeXml(spec.memoryMiB)}</memory>`,
    `  <vcpu>${escapeXml(spec.vcpus)}</vcpu>`,
    `  <os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>`,
    `  <features><acpi/></features>`,
    `  <devices>`,
    `    <disk type='file' device='disk'>`,
    `      <driver name='qemu' type='qcow2'/>`,
    `      <source file='${escapeXml(plan.overlay)}'/>`,
    `      <target dev='vda' bus='virtio'/>`,
    `    </disk>`,
    ...spec.networks.map((n) => nicXml(n, plan.fabric)),
    `    <serial type='pty'/>`,
    `    <console type='pty'/>`,
    `    <graphics type='vnc' autoport='yes' listen='${escapeXml(plan.vncListen)}'/>`,
    `  </devices>`,
    `</domain>`,
    '',
  ].join('\n');
}

/** Attributes of the first `<tag ...>` in `xml`, or null. */
function attributesOf(xml: string, tag: string): Record<string, string> | null {
  const open = new RegExp(`<${tag}(\\s[^>]*)?/?>`).exec(xml);
  if (!open) return null;
  const attributes: Record<string, string> = {};
  for (const m of (open[1] ?? '').matchAll(/([\w:-]+)=(?:'([^']*)'|"([^"]*)")/g)) {
    attributes[m[1] ?? ''] = unescapeXml(m[2] ?? m[3] ?? '');
  }
  return attributes;
}

/** NICs, in order, with the booking network recorded in our metadata and the VLAN the fabric puts them on. */
export function nicsOf(xml: string, fabric: Fabric): Headnode['nics'] {
  const recorded = [...xml.matchAll(/<(?:[\w-]+:)?network\s[^>]*\/>/g)]
    .map((m) => attributesOf(m[0], '(?:[\\w-]+:)?network'))
    .filter((a): a is Record<string, string> => a !== null && a.vlan !== undefined);
  const interfaces = [...xml.matchAll(/<interface\s[^>]*>[\s\S]*?<\/interface>/g)].map((m) => m[0]);
  return interfaces.map((nic, i) => {
    const tag = attributesOf(nic, 'tag')?.id;
    const bridge = attributesOf(nic, 'source')?.bridge ?? '';
    const fromBridge = fabric.kind === 'bridge-per-vlan' && bridge.startsWith(fabric.prefix) ? bridge.slice(fabric.prefix.length) : undefined;
    return {
      network: recorded[i]?.name ?? '',
      vlan: Number(tag ?? fromBridge ?? recorded[i]?.vlan ?? 0),
      mac: attributesOf(nic, 'mac')?.address ?? '',
    };
  });
}

/** The VNC console once the hypervisor has given it a port (an autoport is -1 until the domain runs). */
export function consoleOf(xml: string, consoleHost?: string): Headnode['console'] {
  const graphics = attributesOf(xml, 'graphics');
  const port = Number(graphics?.port ?? -1);
  if (graphics?.type !== 'vnc' || !Number.isInteger(port) || port <= 0) return undefined;
  return { type: 'vnc', host: consoleHost ?? graphics.listen ?? '127.0.0.1', port };
}

export function stateOf(domstate: string): Headnode['state'] {
  const state = domstate.trim();
  return state === 'running' ? 'running' : state === 'shut off' ? 'shut off' : 'other';
}
