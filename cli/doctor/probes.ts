import type { Lab } from '../../config/lab';
import { LdapDirectory } from '../../drivers/directory/ldap';
import type { LdapDirectoryInput } from '../../drivers/directory/ldap-options';
import { LibvirtHeadnodes } from '../../drivers/headnode/libvirt';
import type { LibvirtHeadnodeInput } from '../../drivers/headnode/libvirt-options';
import { FogClient } from '../../drivers/imaging/fog-client';
import { fogList } from '../../drivers/imaging/fog-values';
import { IpmitoolPower } from '../../drivers/power/ipmitool';
import type { SwitchDriver } from '../../drivers/switch/switch';
import type { OpenedCredentials } from './credentials';
import type { DeviceCredential as Credential } from '../../db/credentials';
import type { BmcDevice, LabDevices, SwitchDevice } from './devices';
import type { DeviceKind, ProbeResult } from './findings';

/** One device to ask: either a read-only call to make, or a result known without calling. */
export interface ProbeTask {
  device: string;
  kind: DeviceKind;
  address: string;
  /** Resolves with what the device answered; throws the driver's typed error otherwise. */
  call?: () => Promise<string>;
  known?: { result: ProbeResult; reason: string };
}

/** The device answered, but not what the lab needs of it. */
export class ProbeMismatch extends Error {}

// Never a real account: checkBind then only searches for it, which is the read-only call we want.
const PROBE_UID = 'laas-doctor-probe';
const PROBE_DOMAIN = 'laas-doctor-probe';

export interface ProbeOptions {
  timeoutMs: number;
  switchDrivers: Record<string, SwitchDriver>;
}

/**
 * One read-only call per device of the lab, with the drivers the workers use:
 * BMC power status, FOG's host and image lists, a switch login and one port read
 * back, an LDAP bind and search, a libvirt domain look-up. Simulated devices live
 * inside the worker and are not called.
 */
export function probeTasks(lab: Lab, devices: LabDevices, credentials: OpenedCredentials | null, options: ProbeOptions): ProbeTask[] {
  const simulated = (device: string, kind: DeviceKind, address: string): ProbeTask => ({
    device,
    kind,
    address,
    known: { result: 'simulated', reason: "simulated inside the worker's process" },
  });
  /** The task calls the device only when its credential opened; otherwise the row says which one is missing. */
  const withCredential = (name: string, row: Omit<ProbeTask, 'call' | 'known'>, call: (c: Credential) => () => Promise<string>): ProbeTask => {
    const c = credentials?.get(name);
    if (c) return { ...row, call: call(c) };
    const reason = credentials === null ? `credential ${name} could not be read (see the problems above)` : `credential ${name} is missing or unreadable`;
    return { ...row, known: { result: 'error', reason } };
  };
  const tasks: ProbeTask[] = [];

  const power = new IpmitoolPower({ cipherSuite: lab.ipmi.cipherSuite, timeoutMs: options.timeoutMs });
  for (const b of devices.bmcs) {
    const address = `${b.address}:${b.port}`;
    if (b.type === 'sim') tasks.push(simulated(b.host, 'bmc', b.address));
    else if (b.type !== 'ipmi') tasks.push({ device: b.host, kind: 'bmc', address, known: { result: 'error', reason: `no driver for BMC type ${b.type}` } });
    else {
      const bmc = (c: Credential) => ({ host: b.host, address: b.address, port: b.port, username: c.username, password: c.password });
      tasks.push(withCredential(b.credential, { device: b.host, kind: 'bmc', address }, (c) => async () => `power ${await power.status(bmc(c))}`));
    }
  }

  if (lab.imaging.type === 'sim') tasks.push(simulated('imaging', 'imaging', 'sim'));
  else {
    const { url } = lab.imaging;
    tasks.push(withCredential(lab.imaging.credential, { device: 'fog', kind: 'imaging', address: url }, (c) => () => probeFog(url, c, lab, devices.bmcs, options.timeoutMs)));
  }

  for (const sw of devices.switches) {
    const address = sw.port ? `${sw.address}:${sw.port}` : sw.address;
    const driver = options.switchDrivers[sw.type];
    if (sw.type === 'sim') tasks.push(simulated(sw.name, 'switch', sw.address));
    else if (!driver) tasks.push({ device: sw.name, kind: 'switch', address, known: { result: 'error', reason: `no driver for switch type ${sw.type}` } });
    else {
      tasks.push(withCredential(sw.credential, { device: sw.name, kind: 'switch', address }, (c) => () => probeSwitch(driver, sw, c, options.timeoutMs)));
    }
  }

  if (lab.directory.type === 'ldap') {
    const input = lab.directory.options as Omit<LdapDirectoryInput, 'bindPassword'>;
    const call = (c: Credential) => async () => {
      const ldap = new LdapDirectory({ ...input, bindPassword: c.password, timeoutMs: options.timeoutMs });
      await ldap.checkBind(PROBE_UID, 'not-a-password');
      return `bound as ${input.bindDn} and searched ${input.userDirectory ?? 'ou=people'}`;
    };
    tasks.push(withCredential(lab.directory.credential, { device: 'ldap', kind: 'directory', address: String(input.url) }, call));
  } else tasks.push(simulated('directory', 'directory', 'sim'));

  if (lab.headnode.type === 'libvirt') {
    const input = lab.headnode.options as LibvirtHeadnodeInput;
    const call = async () => {
      const found = await new LibvirtHeadnodes({ ...input, timeoutMs: Math.max(options.timeoutMs, 1000) }).get(PROBE_DOMAIN);
      return found ? `answered (a domain named ${PROBE_DOMAIN} exists)` : 'answered a domain look-up';
    };
    tasks.push({ device: 'libvirt', kind: 'headnode', address: String(input.uri), call });
  } else tasks.push(simulated('headnodes', 'headnode', 'sim'));
  return tasks;
}

/** FOG answers with our tokens, and knows every host and image the lab will ask it to deploy. */
async function probeFog(url: string, c: Credential, lab: Lab, bmcs: BmcDevice[], timeoutMs: number): Promise<string> {
  const client = new FogClient({ baseUrl: url, apiToken: c.username, userToken: c.password, requestTimeoutMs: timeoutMs });
  const images = new Set(fogList((await client.call('GET', '/image')).data, 'image').map((i) => String(i.id)));
  const hosts = new Set(fogList((await client.call('GET', '/host')).data, 'host').map((h) => String(h.name)));
  const missing = [
    ...lab.images.filter((im) => !images.has(im.imagingId)).map((im) => `image ${im.imagingId} (${im.name})`),
    ...bmcs.filter((b) => !hosts.has(b.imagingName)).map((b) => `host ${b.imagingName}`),
  ];
  if (missing.length) throw new ProbeMismatch(`answered, but FOG has no ${missing.join(', ')}`);
  return `answered; knows the lab's ${lab.images.length} image(s) and ${bmcs.length} host(s)`;
}

/** Log in as a worker would and read one cabled port back; nothing is configured. */
async function probeSwitch(driver: SwitchDriver, sw: SwitchDevice, c: Credential, timeoutMs: number): Promise<string> {
  const session = await driver.open({
    name: sw.name,
    type: sw.type,
    address: sw.address,
    ...(sw.port ? { port: sw.port } : {}),
    username: c.username,
    password: c.password,
    options: { ...sw.options, timeoutMs: String(timeoutMs) },
  });
  try {
    const port = sw.ports[0]?.port;
    if (port === undefined) return 'logged in (no NIC is cabled to it)';
    const vlans = await session.readPort(port);
    // A trunk that carries everything would print four thousand numbers.
    const tagged = vlans.tagged.length === 0 ? 'none' : vlans.tagged.length > 8 ? `${vlans.tagged.length} VLANs` : vlans.tagged.join(',');
    return `logged in; ${port}: native ${vlans.native ?? 'none'}, tagged ${tagged}`;
  } finally {
    await session.close().catch(() => undefined);
  }
}
