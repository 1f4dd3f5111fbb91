/**
 * The lab description (config/lab.ts) of a real lab started on this machine: every
 * device entry points at a running counterpart, every secret is named, never written.
 */
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

export interface DescribedHost {
  name: string;
  bmcPort: number;
  sshPort: number;
  nics: { name: string; mac: string; port: string }[];
}

export interface DescriptionParts {
  name: string;
  flavor: string;
  vlanPool: { from: number; to: number };
  switchName: string;
  switchHost: { port: number; privateKeyFile: string; hostKeySha256: string };
  ovsDb: string;
  bridge: string;
  images: { name: string; imagingId: string; osFamily: 'netplan' | 'rhel' }[];
  hosts: DescribedHost[];
  fogUrl: string;
  ldap: { url: string; adminDn: string; suffix: string; userDirectory: string; vpnGroupDn: string };
  libvirt: { uri: string; imageDir: string; overlayDir: string };
  headnodeImage: string;
}

/** Credential names the description uses; register() seals a value under each. */
export const credentialNames = {
  bmc: (host: string) => `bmc-${host}`,
  switch: (sw: string) => `switch-${sw}`,
  fog: 'fog-api',
  ldap: 'ldap-admin',
  hostLogin: 'host-login',
};

export function describeLab(p: DescriptionParts): Record<string, unknown> {
  return {
    name: p.name,
    maxLeaseHours: 720,
    vlanPool: p.vlanPool,
    headnodeImage: p.headnodeImage,
    switches: [
      {
        name: p.switchName,
        type: 'ovs',
        address: '127.0.0.1',
        port: p.switchHost.port,
        credential: credentialNames.switch(p.switchName),
        // The switch host takes keys only; its host key is pinned so nothing in between gets a session.
        options: { db: p.ovsDb, privateKeyFile: p.switchHost.privateKeyFile, hostKeySha256: p.switchHost.hostKeySha256, timeoutMs: '5000' },
      },
    ],
    images: p.images,
    hosts: p.hosts.map((h) => ({
      name: h.name,
      flavor: p.flavor,
      bmc: { type: 'ipmi', address: '127.0.0.1', port: h.bmcPort, credential: credentialNames.bmc(h.name) },
      ssh: { address: '127.0.0.1', port: h.sshPort },
      nics: h.nics.map((n) => ({ name: n.name, mac: n.mac, switch: p.switchName, port: n.port })),
    })),
    imaging: { type: 'fog', url: p.fogUrl, credential: credentialNames.fog },
    directory: {
      type: 'ldap',
      credential: credentialNames.ldap,
      options: {
        url: p.ldap.url,
        bindDn: p.ldap.adminDn,
        root: p.ldap.suffix,
        userDirectory: p.ldap.userDirectory,
        vpnGroup: { dn: p.ldap.vpnGroupDn, membership: 'member' },
        timeoutMs: 3000,
      },
    },
    headnode: {
      type: 'libvirt',
      options: {
        uri: p.libvirt.uri,
        // libvirt's test driver: domains are defined and "run" for real, nothing boots (this machine has no KVM).
        domainType: 'test',
        imageDir: p.libvirt.imageDir,
        overlayDir: p.libvirt.overlayDir,
        fabric: { kind: 'openvswitch', bridge: p.bridge },
        timeoutMs: 5000,
      },
    },
    hostLogin: { username: 'root', credential: credentialNames.hostLogin },
    // A BMC on loopback answers in milliseconds: a call still waiting after 6 s has no answer coming.
    ipmi: { cipherSuite: 3, timeoutMs: 6000 },
  };
}

/** OpenSSH's fingerprint of the host key an SSH server presents, learnt by a handshake that never logs in. */
export function sshHostKeySha256(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    let fingerprint: string | null = null;
    conn.on('error', () => {
      conn.end();
      if (fingerprint) resolve(fingerprint);
      else reject(new Error(`no SSH host key from 127.0.0.1:${port}`));
    });
    conn.on('ready', () => conn.end());
    conn.connect({
      host: '127.0.0.1',
      port,
      username: 'probe',
      readyTimeout: 5000,
      hostVerifier: (key: Buffer) => {
        fingerprint = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
        // Refusing the key ends the handshake here: the probe has what it came for.
        return false;
      },
    });
  });
}
