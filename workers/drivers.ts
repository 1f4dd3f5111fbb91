import { hasSimulatedParts, type Lab } from '../config/lab';
import type { CredentialStore, Drivers } from '../activities/deps';
import type { Inventory } from '../activities/inventory';
import type { BmcTarget, PowerDriver } from '../drivers/power/power';
import { IpmitoolPower } from '../drivers/power/ipmitool';
import { ObmdPower } from '../drivers/power/obmd';
import { FogImaging } from '../drivers/imaging/fog';
import { switchDrivers } from '../drivers/switch/drivers';
import { SshHostDriver } from '../drivers/host/ssh';
import { rememberHostKeys, type HostKeyStore } from '../drivers/host/host-key-book';
import { LdapDirectory } from '../drivers/directory/ldap';
import type { LdapDirectoryInput } from '../drivers/directory/ldap-options';
import { LibvirtHeadnodes } from '../drivers/headnode/libvirt';
import type { LibvirtHeadnodeInput } from '../drivers/headnode/libvirt-options';
import { InvalidInput } from '../drivers/errors';
import { bmcConsoles } from '../drivers/console/bmc-console';
import { SimLab, type SimLabOptions } from '../sim/lab/lab';
import { simDrivers } from '../sim/lab/drivers';

/** True when every device of the lab is simulated (then no credential is ever looked up). */
export function isSimulatedLab(lab: Lab): boolean {
  return (
    lab.hosts.every((h) => h.bmc.type === 'sim' && h.ssh.address.startsWith('sim://')) &&
    lab.switches.every((s) => s.type === 'sim') &&
    lab.imaging.type === 'sim' &&
    lab.directory.type === 'sim' &&
    lab.headnode.type === 'sim'
  );
}

/** One power driver for the lab: each call goes to the driver of that host's BMC type. */
function powerByBmcType(inventory: Inventory, byType: Record<string, PowerDriver>): PowerDriver {
  const pick = async (bmc: BmcTarget): Promise<PowerDriver> => {
    const type = (await inventory.host(bmc.host))?.bmc.type ?? 'ipmi';
    const driver = byType[type];
    if (!driver) throw new InvalidInput('BMC type', type, `expected one of ${Object.keys(byType).join(', ')}`);
    return driver;
  };
  return {
    kind: 'by-bmc-type',
    status: async (bmc) => (await pick(bmc)).status(bmc),
    on: async (bmc) => (await pick(bmc)).on(bmc),
    off: async (bmc) => (await pick(bmc)).off(bmc),
    cycle: async (bmc) => (await pick(bmc)).cycle(bmc),
    softOff: async (bmc) => (await pick(bmc)).softOff(bmc),
    setBootDevice: async (bmc, device, options) => (await pick(bmc)).setBootDevice(bmc, device, options),
  };
}

export interface BuiltDrivers {
  drivers: Drivers;
  /** The simulated part of the lab, when any device is simulated. */
  simLab: SimLab | null;
  /** The lab's own SSH login on provisioned hosts. */
  hostLogin: { username: string; privateKey: string };
}

/**
 * The drivers a worker uses for its lab, as its description says: ipmitool, FOG, the switch
 * vendors, SSH, LDAP and libvirt for real devices, the in-process simulated lab for the rest.
 * Service credentials (FOG tokens, LDAP bind password, the hosts' login key) are read once here.
 */
export async function buildDrivers(
  lab: Lab,
  inventory: Inventory,
  credentials: CredentialStore,
  options: { sim?: SimLabOptions; hostKeys: HostKeyStore },
): Promise<BuiltDrivers> {
  const simLab = hasSimulatedParts(lab) ? new SimLab(lab, options.sim) : null;
  const sim = simLab ? simDrivers(simLab) : null;
  const need = <T>(what: string, value: T | undefined | null): T => {
    if (value === undefined || value === null) throw new Error(`lab ${lab.name}: ${what} is simulated but no simulated lab was built`);
    return value;
  };

  const power = powerByBmcType(inventory, {
    ipmi: new IpmitoolPower({ cipherSuite: lab.ipmi.cipherSuite, timeoutMs: lab.ipmi.timeoutMs }),
    obmd: new ObmdPower({ timeoutMs: lab.ipmi.timeoutMs }),
    ...(sim ? { sim: sim.power } : {}),
  });

  let imaging: Drivers['imaging'];
  if (lab.imaging.type === 'fog') {
    const c = await credentials.get(lab.imaging.credential);
    imaging = new FogImaging({ baseUrl: lab.imaging.url, apiToken: c.username, userToken: c.password, ...(lab.imaging.timeZone ? { timeZone: lab.imaging.timeZone } : {}) });
  } else imaging = need('imaging', sim?.imaging);

  const realHosts = lab.hosts.some((h) => !h.ssh.address.startsWith('sim://'));
  let hostLogin = { username: lab.hostLogin.username, privateKey: 'sim' };
  let host: Drivers['host'];
  if (realHosts) {
    hostLogin = { username: lab.hostLogin.username, privateKey: (await credentials.get(lab.hostLogin.credential)).password };
    host = new SshHostDriver({ onFirstContact: rememberHostKeys(options.hostKeys) });
  } else host = need('host', sim?.host);

  let directory: Drivers['directory'];
  if (lab.directory.type === 'ldap') {
    const c = await credentials.get(lab.directory.credential);
    directory = new LdapDirectory({ ...(lab.directory.options as LdapDirectoryInput), bindPassword: c.password });
  } else directory = need('directory', sim?.directory);

  const headnode = lab.headnode.type === 'libvirt' ? new LibvirtHeadnodes(lab.headnode.options as LibvirtHeadnodeInput) : need('headnode', sim?.headnode);

  return {
    drivers: { power, imaging, switches: { ...switchDrivers, ...(sim ? sim.switches : {}) }, host, directory, headnode, console: bmcConsoles({ sol: { cipherSuite: lab.ipmi.cipherSuite } }) },
    simLab,
    hostLogin,
  };
}
