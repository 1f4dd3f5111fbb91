import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Client as LdapClient } from 'ldapts';
import { setCredential } from '../../../db/credentials';
import type { RealLab } from '../../../sim/real-lab';
import { inHostOs } from '../../../sim/real-lab-parts/host-os';
import type { RealLabSession } from './lab-session';

export interface PermanentFault {
  step: 'power' | 'imaging' | 'switch' | 'network' | 'access' | 'vpn' | 'headnode';
  /** What is broken in the real peer, in the lab's words. */
  fault: string;
  /** The failure type the booking ends with. */
  failure: string;
  /**
   * The undo that needs the same broken device, when there is one: it fails too, the booking
   * waits in needs_cleanup with it listed, and an operator's cleanup retry finishes after fix().
   */
  leftover?: 'power' | 'switch';
  inject(s: RealLabSession, host: string): Promise<void>;
  fix(s: RealLabSession, host: string): Promise<void>;
}

async function asDirectoryAdmin(lab: RealLab, work: (ldap: LdapClient) => Promise<void>): Promise<void> {
  const ldap = new LdapClient({ url: lab.slapd.url, timeout: 5000 });
  try {
    await ldap.bind(lab.slapd.adminDn, lab.slapd.adminPassword);
    await work(ldap);
  } finally {
    await ldap.unbind().catch(() => undefined);
  }
}

const foreignDn = (lab: RealLab) => `uid=alice,ou=people,${lab.slapd.suffix}`;
const baseImage = (lab: RealLab) => join(lab.headnodes.imageDir, 'headnode-base.qcow2');

/** One permanent fault per step; each leaves nothing the undo cannot reach, or says which undo it breaks. */
export const PERMANENT_FAULTS: PermanentFault[] = [
  {
    step: 'power',
    fault: 'the BMC credential sealed for the host holds a wrong password',
    failure: 'BmcAuthFailed',
    leftover: 'power',
    inject: ({ database, keyring, lab }, host) => setCredential(database.db, keyring, `bmc-${host}`, { username: lab.host(host).bmc.username, password: 'not-the-password' }),
    fix: ({ database, keyring, lab }, host) => setCredential(database.db, keyring, `bmc-${host}`, { username: lab.host(host).bmc.username, password: lab.host(host).bmc.password }),
  },
  {
    step: 'imaging',
    fault: "FOG cancels every deploy task of the host at 40 % (both of the step's attempts)",
    failure: 'FogTaskFailed',
    inject: ({ lab }, host) => Promise.resolve(lab.fog.setTaskFate(host, { kind: 'cancelled', atPct: 40 })),
    fix: ({ lab }, host) => Promise.resolve(lab.fog.setTaskFate(host, { kind: 'complete' })),
  },
  {
    step: 'switch',
    fault: "the switch has no port for the host's eno1 (it was removed from the bridge)",
    failure: 'SwitchRejected',
    leftover: 'switch',
    inject: async ({ lab }, host) => void (await lab.ovs.vsctl('del-port', lab.ovs.bridge, lab.host(host).nics[0]!.port)),
    fix: async ({ lab }, host) => {
      const port = lab.host(host).nics[0]!.port;
      await lab.ovs.vsctl('add-port', lab.ovs.bridge, port, '--', 'set', 'port', port, 'vlan_mode=trunk', 'trunks=4095');
    },
  },
  {
    step: 'network',
    fault: 'the installed OS has no /etc/netplan (not the image the lab says)',
    failure: 'HostFileFailed',
    inject: async ({ lab }, host) => void (await inHostOs(lab.host(host).os, ['rm', '-rf', '/etc/netplan'])),
    fix: async ({ lab }, host) => void (await inHostOs(lab.host(host).os, ['mkdir', '-p', '/etc/netplan'])),
  },
  {
    step: 'access',
    fault: "root's ~/.ssh is on a read-only file system in the host OS",
    failure: 'HostFileFailed',
    inject: async ({ lab }, host) => void (await inHostOs(lab.host(host).os, ['mount', '--bind', '-o', 'ro', '/root/.ssh', '/root/.ssh'])),
    fix: async ({ lab }, host) => void (await inHostOs(lab.host(host).os, ['umount', '/root/.ssh'])),
  },
  {
    step: 'vpn',
    fault: 'someone else already holds the VPN name alice in the directory',
    failure: 'AccountTaken',
    inject: ({ lab }) =>
      asDirectoryAdmin(lab, (ldap) => ldap.add(foreignDn(lab), { objectClass: 'inetOrgPerson', uid: 'alice', cn: 'Alice Elsewhere', sn: 'Elsewhere', description: 'not a laas account' })),
    fix: ({ lab }) => asDirectoryAdmin(lab, (ldap) => ldap.del(foreignDn(lab))),
  },
  {
    step: 'headnode',
    fault: 'the hypervisor has lost the base image headnodes are made from',
    failure: 'HeadnodeRejected',
    inject: ({ lab }) => rename(baseImage(lab), `${baseImage(lab)}.lost`),
    fix: ({ lab }) => rename(`${baseImage(lab)}.lost`, baseImage(lab)),
  },
];
