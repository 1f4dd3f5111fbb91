import { z } from 'zod';

// Paths reach virsh and qemu-img on the command line: absolute, plain characters, no `..`.
const path = z
  .string()
  .regex(/^\/[A-Za-z0-9._/-]*$/, 'must be an absolute path of letters, digits, dots, dashes, underscores and slashes')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ..');
// Linux interface names: at most 15 bytes.
const bridge = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'must be a Linux interface name (1-15 characters)');

/** Options of the libvirt hypervisor that runs headnodes. */
export const libvirtHeadnodeOptionsSchema = z.object({
  /** libvirt connection URI as seen from where virsh runs, e.g. qemu:///system. */
  uri: z.string().regex(/^[a-z][a-z0-9+]*:\/\/[A-Za-z0-9._~:@/?=&%+-]*$/, 'must be a libvirt URI such as qemu:///system'),
  /** Domain type: kvm on real hypervisors, qemu without KVM, test for libvirt's test driver. */
  domainType: z.enum(['kvm', 'qemu', 'test']).default('kvm'),
  /** Where base images live; a spec's baseImage names `<imageDir>/<baseImage>.qcow2`. */
  imageDir: path,
  /** Where per-headnode copy-on-write overlays are created, `<overlayDir>/<name>.qcow2`. */
  overlayDir: path,
  /** How a NIC reaches a booking VLAN. */
  fabric: z.discriminatedUnion('kind', [
    z.object({
      /** One Open vSwitch bridge; each NIC is an access port tagged with its VLAN. */
      kind: z.literal('openvswitch'),
      bridge,
    }),
    z.object({
      /** One Linux bridge per VLAN, named prefix + VLAN id (e.g. br1001). */
      kind: z.literal('bridge-per-vlan'),
      prefix: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,10}$/, 'must be 1-11 characters so prefix + VLAN fits 15'),
    }),
  ]),
  /** Address VNC listens on, on the hypervisor. */
  vncListen: z.union([z.ipv4(), z.ipv6()]).default('127.0.0.1'),
  /** Address users are told to reach the console at, when not vncListen (e.g. the hypervisor's name behind the VPN). */
  consoleHost: z.string().regex(/^[A-Za-z0-9.:-]+$/).optional(),
  /** Program names or paths on the machine that runs them. */
  virsh: z.string().default('virsh'),
  qemuImg: z.string().default('qemu-img'),
  /** Milliseconds one virsh or qemu-img call may take. */
  timeoutMs: z.number().int().min(1000).max(600_000).default(60_000),
});

export type LibvirtHeadnodeInput = z.input<typeof libvirtHeadnodeOptionsSchema>;
export type LibvirtHeadnodeOptions = z.output<typeof libvirtHeadnodeOptionsSchema>;

export function parseLibvirtHeadnodeOptions(input: LibvirtHeadnodeInput): Readonly<LibvirtHeadnodeOptions> {
  const parsed = libvirtHeadnodeOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
    throw new Error(`invalid libvirt headnode options:\n  ${problems.join('\n  ')}`);
  }
  return Object.freeze(parsed.data);
}
