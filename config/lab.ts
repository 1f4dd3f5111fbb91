import { z } from 'zod';

/** Names that end up on command lines and in DNs: a conservative grammar, checked once here. */
export const labName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" and "-", starting with a letter or digit');

const nic = z.object({
  /** The NIC's name in the installed OS, e.g. eno1. */
  name: z.string().regex(/^[a-zA-Z0-9._-]{1,15}$/, 'an interface name of at most 15 letters, digits, ".", "_" or "-"'),
  /** MAC address, colon separated. */
  mac: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i, 'a MAC address like 52:54:00:12:34:56'),
  /** Switch (by name) and port the NIC is cabled to. */
  switch: labName,
  /** The switch port, e.g. Ethernet1/34 or gi1/0/1. */
  port: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9/._:-]{0,63}$/, 'a port name like Ethernet1/34: letters, digits and "/", ".", "_", ":" or "-"'),
});

const host = z.object({
  /** Inventory name of the host. */
  name: labName,
  /** Flavor (hardware profile) used to book "any host like this". */
  flavor: z.string().min(1),
  bmc: z
    .object({
      /** How the BMC is driven: ipmi (ipmitool lanplus) or sim (the simulated lab); by default sim for sim:// addresses, else ipmi. */
      type: z.enum(['ipmi', 'sim']).optional(),
      /** BMC address and UDP port for IPMI over LAN. */
      address: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(623),
      /** Name of the credential entry holding the BMC user and password. */
      credential: z.string().min(1),
    })
    .transform((b) => ({ ...b, type: b.type ?? (b.address.startsWith('sim://') ? ('sim' as const) : ('ipmi' as const)) })),
  nics: z.array(nic).min(1),
  /** Where the OS answers SSH once imaged (management address). */
  ssh: z.object({ address: z.string().min(1), port: z.number().int().min(1).max(65535).default(22) }),
});

const sw = z.object({
  name: labName,
  /** Driver: nxos, nxapi, os10, ovs, sim, or HIL's delln3000, powerconnect55xx, dellnos9, brocade. */
  type: z.enum(['nxos', 'nxapi', 'os10', 'ovs', 'sim', 'delln3000', 'powerconnect55xx', 'dellnos9', 'brocade']),
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  credential: z.string().min(1),
  /** Driver options, e.g. `db` (ovs-vsctl --db) or `hostKeySha256` (pinned SSH host key). */
  options: z.record(z.string(), z.string()).optional(),
});

/** The imaging server: FOG's REST API, or the simulated lab's. */
const imaging = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sim') }),
  z.object({
    type: z.literal('fog'),
    /** FOG's web root, e.g. http://fog.lab/fog. */
    url: z.string().url(),
    /** Credential whose username is FOG's API token and password the API user's token. */
    credential: z.string().min(1),
    /**
     * The IANA time zone FOG writes its task times in (its PHP/MySQL zone, e.g. Europe/Berlin);
     * UTC when absent. A retried imaging step uses it to recognise the deploy it started.
     */
    timeZone: z.string().min(1).optional(),
  }),
]);

/** The directory behind the lab VPN. */
const directory = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sim') }),
  z.object({
    type: z.literal('ldap'),
    /** Credential whose password is the bind DN's. */
    credential: z.string().min(1),
    /** Everything of drivers/directory/ldap-options.ts but the password. */
    options: z.record(z.string(), z.unknown()),
  }),
]);

/** The hypervisor for headnodes. */
const headnode = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sim') }),
  z.object({
    type: z.literal('libvirt'),
    /** drivers/headnode/libvirt-options.ts. */
    options: z.record(z.string(), z.unknown()),
  }),
]);

const image = z.object({
  name: z.string().min(1),
  /** The imaging server's id for this image. */
  imagingId: z.string().min(1),
  /** OS family decides which network files are written. */
  osFamily: z.enum(['netplan', 'ifupdown', 'rhel', 'suse']),
  /** The flavors whose hosts this image runs on; every flavor when absent. */
  flavors: z.array(z.string().min(1)).min(1).optional(),
});

export const labSchema = z
  .object({
    /** The lab's name; also names its Temporal task queue. */
    name: labName,
    /** Longest lease a booking may have, in hours. */
    maxLeaseHours: z.number().positive().max(24 * 366).default(24 * 30),
    /** VLAN ids the lab may hand to bookings. */
    vlanPool: z
      .object({ from: z.number().int().min(2).max(4094), to: z.number().int().min(2).max(4094) })
      .refine((p) => p.from <= p.to, 'vlanPool.from must not exceed vlanPool.to'),
    switches: z.array(sw).min(1),
    hosts: z.array(host).min(1),
    images: z.array(image).min(1),
    /** Base image for headnode VMs. */
    headnodeImage: z.string().default('headnode-base'),
    imaging: imaging.default({ type: 'sim' }),
    directory: directory.default({ type: 'sim' }),
    headnode: headnode.default({ type: 'sim' }),
    /** How workers log in to provisioned hosts: the user, and the credential whose password is the private key. */
    hostLogin: z.object({ username: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/), credential: z.string().min(1) }).default({ username: 'root', credential: 'host-login' }),
    /** ipmitool options for every BMC of the lab. */
    ipmi: z.object({ cipherSuite: z.number().int().min(0).max(17).default(3), timeoutMs: z.number().int().min(1000).max(120_000).default(20_000) }).default({ cipherSuite: 3, timeoutMs: 20_000 }),
    /** What a failed step does by default: compensate (undo the booking) or hold (wait for an operator). */
    failurePolicy: z.enum(['compensate', 'hold']).default('compensate'),
    /** How long a held step waits for an operator before compensating, in minutes. */
    holdTimeoutMinutes: z.number().positive().max(7 * 24 * 60).default(240),
  })
  // Runs even when fields are wrong elsewhere, so one pass reports every problem: it reads defensively.
  .superRefine((lab, ctx) => crossCheck(lab, ctx), { when: (payload) => typeof payload.value === 'object' && payload.value !== null });

type Issues = { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void };
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Checks across the file: unknown switches, and names, MACs and switch ports used twice. */
function crossCheck(lab: { switches?: unknown; images?: unknown; hosts?: unknown }, ctx: Issues): void {
  const switches = new Set(list(lab.switches).map((s) => text(s.name)));
  // Each second use names the first.
  const firstAt = new Map<string, string>();
  const unique = (key: string, path: (string | number)[], what: string) => {
    const first = firstAt.get(key);
    if (first) ctx.addIssue({ code: 'custom', path, message: `${what} is also at ${first}` });
    else firstAt.set(key, path.join('.'));
  };
  list(lab.switches).forEach((s, i) => text(s.name) && unique(`switch ${text(s.name)}`, ['switches', i, 'name'], `switch ${text(s.name)}`));
  list(lab.images).forEach((im, i) => text(im.name) && unique(`image ${text(im.name)}`, ['images', i, 'name'], `image ${text(im.name)}`));
  list(lab.hosts).forEach((h, i) => {
    const host = text(h.name);
    if (host) unique(`host ${host}`, ['hosts', i, 'name'], `host ${host}`);
    list(h.nics).forEach((n, j) => {
      const [name, mac, sw, port] = [text(n.name), text(n.mac), text(n.switch), text(n.port)];
      if (sw !== undefined && !switches.has(sw)) ctx.addIssue({ code: 'custom', path: ['hosts', i, 'nics', j, 'switch'], message: `unknown switch ${sw}` });
      if (name) unique(`nic ${host} ${name}`, ['hosts', i, 'nics', j, 'name'], `NIC ${name} of host ${host}`);
      if (mac) unique(`mac ${mac.toLowerCase()}`, ['hosts', i, 'nics', j, 'mac'], `MAC ${mac}`);
      if (sw && port) unique(`port ${sw} ${port}`, ['hosts', i, 'nics', j, 'port'], `port ${port} of switch ${sw}`);
    });
  });
}

export type Lab = z.infer<typeof labSchema>;
export type LabHost = Lab['hosts'][number];
export type LabSwitch = Lab['switches'][number];
export type LabImage = Lab['images'][number];

/** Whether some device of the lab is the in-process simulated lab's (workers then run one; doctor knows it). */
export function hasSimulatedParts(lab: Lab): boolean {
  return (
    lab.hosts.some((h) => h.bmc.type === 'sim' || h.ssh.address.startsWith('sim://')) ||
    lab.switches.some((s) => s.type === 'sim') ||
    lab.imaging.type === 'sim' ||
    lab.directory.type === 'sim' ||
    lab.headnode.type === 'sim'
  );
}
