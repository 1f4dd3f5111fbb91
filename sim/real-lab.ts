/**
 * A whole lab of real counterparts on this machine, for end-to-end tests and
 * `LAAS_REAL_PEERS=1 npm start`. A host is a composite of real parts:
 *  - its BMC is an ipmi_sim (power and boot device in its chassis log);
 *  - its OS is an sshd box (own mount/UTS/PID namespaces, reboot script) the lab logs in to;
 *  - its NICs are network namespaces cabled by veth into one Open vSwitch (userspace
 *    datapath), so VLAN isolation is proven with packets;
 *  - powering it on through its BMC makes it PXE-boot into its FOG deploy task.
 * Around them: the FOG simulator (hosts and images registered), the switch host's sshd,
 * slapd with a VPN group, and a session libvirtd (test driver) with a tiny base image.
 *
 * startRealLab() writes the lab description; register() seals the credentials it names
 * into a database and imports it; stop() stops every process by pid and removes every
 * namespace and temp directory, also when starting failed half-way.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { stringify } from 'yaml';
import { loadLab } from '../config/load-lab';
import type { Lab } from '../config/lab';
import type { Keyring } from '../db/crypto';
import type { Database } from '../db/database';
import type { ImportReport } from '../db/lab-import';
import { startIpmiSim, type IpmiSim } from './counterparts/ipmi-sim';
import { startLibvirtd, type Libvirtd } from './counterparts/libvirtd';
import { startOpenVswitch, startSwitchHostSsh, type NamespaceHost, type OpenVswitch, type SwitchHostSsh } from './counterparts/ovs';
import { startSlapd, type Slapd } from './counterparts/slapd';
import { generateKeyPair, startSshd, type KeyPair, type SshdBox } from './counterparts/sshd';
import { FogSimulator } from './fog/fog-sim';
import { credentialNames, describeLab, sshHostKeySha256, type DescribedHost } from './real-lab-parts/description';
import { prepareHostOs } from './real-lab-parts/host-os';
import { bootOnPowerOn } from './real-lab-parts/pxe-boot';
import { registerLab, type Secret } from './real-lab-parts/register';

const run = promisify(execFile);

export interface RealLabOptions {
  /** The lab's name (its workers poll laas-<name>); default "real". */
  name?: string;
  /** Host names; default real-01, real-02, real-03. */
  hosts?: string[];
  flavor?: string;
  switchName?: string;
  vlanPool?: { from: number; to: number };
  /** First four bytes of every NIC's MAC (host and NIC number follow); default 52:54:00 and a random byte. */
  macPrefix?: string;
  /** Where to write the lab description (.yaml or .json); default a file in the lab's temp directory. */
  labFile?: string;
  /** FOG task phases once a host has PXE-booted; defaults suit tests (about a second). */
  imaging?: { checkInMs?: number; imagingMs?: number };
  /** How long a host's OS stays down when rebooted. */
  rebootDelayMs?: number;
}

export interface RealLabNic {
  name: string;
  mac: string;
  /** The Open vSwitch port the NIC is cabled to. */
  port: string;
  /** The NIC's data plane: a namespace whose eth0 is at `address` on the lab's test subnet. */
  wire: NamespaceHost;
}

export interface RealLabHost {
  name: string;
  bmc: IpmiSim;
  os: SshdBox;
  nics: RealLabNic[];
}

export interface RealLab {
  name: string;
  labFile: string;
  lab: Readonly<Lab>;
  hosts: RealLabHost[];
  host(name: string): RealLabHost;
  fog: FogSimulator;
  ovs: OpenVswitch;
  switchHost: SwitchHostSsh;
  switchName: string;
  slapd: Slapd;
  libvirtd: Libvirtd;
  headnodes: { uri: string; imageDir: string; overlayDir: string };
  /** The key the lab's workers log in to hosts with (its private half is sealed as credential host-login). */
  hostLogin: KeyPair;
  /** Seal the lab's credentials with the keyring and import its description into the inventory. */
  register(db: Kysely<Database>, keyring: Keyring): Promise<ImportReport>;
  stop(): Promise<void>;
}

export const IMAGES = [
  { name: 'ubuntu-22.04', osFamily: 'netplan' as const },
  { name: 'rocky-9', osFamily: 'rhel' as const },
];
const NICS = ['eno1', 'eno2'];
const HEADNODE_IMAGE = 'headnode-base';
const byte = (n: number): string => n.toString(16).padStart(2, '0');

/** Runs the stops of whatever started, newest first; every stop is tried even if an earlier one failed. */
class Teardown {
  private readonly stops: { what: string; stop: () => Promise<void> | void }[] = [];
  add(what: string, stop: () => Promise<void> | void): void {
    this.stops.push({ what, stop });
  }
  async run(): Promise<void> {
    const failed: string[] = [];
    while (this.stops.length) {
      const { what, stop } = this.stops.pop()!;
      try {
        await stop();
      } catch (err) {
        failed.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (failed.length) throw new Error(`the real lab did not stop cleanly:\n  ${failed.join('\n  ')}`);
  }
}

export async function startRealLab(options: RealLabOptions = {}): Promise<RealLab> {
  const name = options.name ?? 'real';
  const hostNames = options.hosts ?? ['real-01', 'real-02', 'real-03'];
  if (hostNames.length < 1 || hostNames.length > 24) throw new Error('a real lab has 1 to 24 hosts');
  const switchName = options.switchName ?? 'ovs-1';
  const macPrefix = options.macPrefix ?? `52:54:00:${byte(randomBytes(1)[0] ?? 0)}`;
  if (!/^([0-9a-f]{2}:){3}[0-9a-f]{2}$/.test(macPrefix)) throw new Error('macPrefix must be four bytes like 52:54:00:07');
  const teardown = new Teardown();
  const later = <T extends { stop(): Promise<void> | void }>(what: string, thing: T): T => {
    teardown.add(what, () => thing.stop());
    return thing;
  };

  try {
    const dir = await mkdtemp(join(tmpdir(), 'laas-real-lab-'));
    teardown.add('temp directory', () => rm(dir, { recursive: true, force: true }));
    const hostLogin = await generateKeyPair(dir, 'host-login');

    // Everything starts at once; each registers its stop as soon as it is up, so a failure elsewhere stops it too.
    const fogUp = FogSimulator.start({
      autoCheckIn: false,
      timing: { checkInMs: options.imaging?.checkInMs ?? 200, imagingMs: options.imaging?.imagingMs ?? 800 },
    }).then((f) => later('FOG simulator', f));
    const ovsUp = startOpenVswitch('br-lab').then((o) => later('Open vSwitch', o));
    const switchHostUp = startSwitchHostSsh().then((s) => later('switch host sshd', s));
    const slapdUp = startSlapd().then((s) => later('slapd', s));
    const libvirtdUp = startLibvirtd().then((l) => later('libvirtd', l));
    const bmcsUp = hostNames.map((h) => startIpmiSim().then((b) => later(`BMC of ${h}`, b)));
    const boxesUp = hostNames.map((h) => startSshd({ hostname: h, rebootDelayMs: options.rebootDelayMs ?? 300 }).then((b) => later(`OS of ${h}`, b)));
    const failed = (await Promise.allSettled([fogUp, ovsUp, switchHostUp, slapdUp, libvirtdUp, ...bmcsUp, ...boxesUp])).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [fog, ovs, switchHost, slapd, libvirtd, bmcs, boxes] = [await fogUp, await ovsUp, await switchHostUp, await slapdUp, await libvirtdUp, await Promise.all(bmcsUp), await Promise.all(boxesUp)];

    const hosts: RealLabHost[] = [];
    for (const [i, hostName] of hostNames.entries()) {
      const os = boxes[i]!;
      await prepareHostOs(os, hostLogin.publicKey);
      const nics: RealLabNic[] = [];
      for (const [j, nic] of NICS.entries()) {
        // One subnet for every NIC: only VLANs, never routing, decide who reaches whom.
        const wire = await ovs.addHost(`${hostName}-${nic}`, `10.77.0.${(i + 1) * 10 + j + 1}/24`);
        // A new OVS port carries every VLAN; a lab port starts as the OVS driver leaves a reset one.
        await ovs.vsctl('set', 'port', wire.port, 'vlan_mode=trunk', 'trunks=4095');
        nics.push({ name: nic, mac: `${macPrefix}:${byte(i + 1)}:${byte(j + 1)}`, port: wire.port, wire });
      }
      hosts.push({ name: hostName, bmc: bmcs[i]!, os, nics });
    }

    const images = IMAGES.map((im) => ({ ...im, imagingId: String(fog.addImage(im.name).id) }));
    for (const h of hosts) fog.addHost(h.name, { macs: [h.nics[0]!.mac] });
    const pxe = bootOnPowerOn(fog, hosts);
    teardown.add('PXE watch', () => pxe.stop());

    const headnodes = { uri: libvirtd.testUri, imageDir: join(dir, 'images'), overlayDir: join(dir, 'overlays') };
    await mkdir(headnodes.imageDir);
    await mkdir(headnodes.overlayDir);
    // A tiny sparse base: the test hypervisor never boots it, but each headnode's overlay on it is a real qcow2.
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', join(headnodes.imageDir, `${HEADNODE_IMAGE}.qcow2`), '16M']);

    const described: DescribedHost[] = hosts.map((h) => ({ name: h.name, bmcPort: h.bmc.port, sshPort: h.os.port, nics: h.nics }));
    const description = describeLab({
      name,
      flavor: options.flavor ?? 'real.small',
      vlanPool: options.vlanPool ?? { from: 1000, to: 1099 },
      switchName,
      switchHost: { port: switchHost.port, privateKeyFile: switchHost.privateKeyFile, hostKeySha256: await sshHostKeySha256(switchHost.port) },
      ovsDb: ovs.db,
      bridge: ovs.bridge,
      images,
      hosts: described,
      fogUrl: fog.url,
      ldap: { url: slapd.url, adminDn: slapd.adminDn, suffix: slapd.suffix, userDirectory: slapd.userDirectory, vpnGroupDn: slapd.vpnGroupDn },
      libvirt: headnodes,
      headnodeImage: HEADNODE_IMAGE,
    });
    const labFile = options.labFile ?? join(dir, 'lab.yaml');
    await writeFile(labFile, labFile.endsWith('.json') ? `${JSON.stringify(description, null, 2)}\n` : stringify(description), { mode: 0o600 });
    if (options.labFile) teardown.add('lab description', () => rm(labFile, { force: true }));
    const lab = loadLab(labFile);

    const fogTokens = fog.credentials;
    const secrets: Record<string, Secret> = {
      [credentialNames.switch(switchName)]: { username: 'root', password: '' },
      [credentialNames.fog]: { username: fogTokens.apiToken, password: fogTokens.userToken },
      [credentialNames.ldap]: { username: slapd.adminDn, password: slapd.adminPassword },
      [credentialNames.hostLogin]: { username: 'root', password: hostLogin.privateKey },
      ...Object.fromEntries(hosts.map((h) => [credentialNames.bmc(h.name), { username: h.bmc.username, password: h.bmc.password }])),
    };

    return {
      name,
      labFile,
      lab,
      hosts,
      host(hostName) {
        const h = hosts.find((x) => x.name === hostName);
        if (!h) throw new Error(`the real lab has no host ${hostName}`);
        return h;
      },
      fog,
      ovs,
      switchHost,
      switchName,
      slapd,
      libvirtd,
      headnodes,
      hostLogin,
      register: (db, keyring) => registerLab(db, keyring, labFile, secrets),
      stop: () => teardown.run(),
    };
  } catch (err) {
    await teardown.run().catch(() => undefined);
    throw err;
  }
}
