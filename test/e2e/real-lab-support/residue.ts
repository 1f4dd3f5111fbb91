import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { Client, EqualityFilter } from 'ldapts';
import type { Database } from '../../../db/database';
import type { RealLab } from '../../../sim/real-lab';
import { headnodeName } from '../../../activities/headnode';

const run = promisify(execFile);

export interface BookingScope {
  bookingId: string;
  hosts: string[];
  vpnUsers: string[];
}

const values = (raw: unknown): string[] => (raw === undefined ? [] : (Array.isArray(raw) ? raw : [raw]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))));

/** A port as the OVS driver leaves a reset one: no tag, a trunk of only VLAN 4095 (which nothing carries). */
export async function portState(lab: RealLab, port: string): Promise<string> {
  const read = async (column: string) => (await lab.ovs.vsctl('get', 'port', port, column)).trim();
  return `tag=${await read('tag')} trunks=${await read('trunks')} vlan_mode=${await read('vlan_mode')}`;
}
export const RESET_PORT = 'tag=[] trunks=[4095] vlan_mode=trunk';

/** Files under the host OS's network file directories that laas wrote (their names carry "laas"). */
export async function networkFilesOf(lab: RealLab, host: string): Promise<string[]> {
  const upper = lab.host(host).os.etcChanges;
  const found: string[] = [];
  for (const dir of ['netplan', 'network/interfaces.d', 'sysconfig/network-scripts', 'sysconfig/network']) {
    const names = await readdir(join(upper, dir)).catch(() => [] as string[]);
    found.push(...names.filter((n) => n.includes('laas')).map((n) => `/etc/${dir}/${n}`));
  }
  return found;
}

export async function authorizedKeys(lab: RealLab, host: string): Promise<string[]> {
  const text = await readFile(join(lab.host(host).os.home, '.ssh', 'authorized_keys'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean);
}

/** Entries for uid under the people branch and the VPN group's members, read as the directory's admin. */
export async function directoryView(lab: RealLab, uid: string): Promise<{ entries: { dn: string; description: string[] }[]; groupMembers: string[] }> {
  const ldap = new Client({ url: lab.slapd.url, timeout: 5000 });
  try {
    await ldap.bind(lab.slapd.adminDn, lab.slapd.adminPassword);
    const people = await ldap.search(`ou=people,${lab.slapd.suffix}`, { scope: 'one', filter: new EqualityFilter({ attribute: 'uid', value: uid }) });
    const group = await ldap.search(lab.slapd.vpnGroupDn, { scope: 'base', attributes: ['member'] });
    return {
      entries: people.searchEntries.map((e) => ({ dn: e.dn, description: values(e.description) })),
      groupMembers: values(group.searchEntries[0]?.member),
    };
  } finally {
    await ldap.unbind().catch(() => undefined);
  }
}

export async function headnodeView(lab: RealLab, bookingId: string): Promise<{ domains: string[]; files: string[] }> {
  const name = headnodeName(bookingId);
  const listed = (await run('virsh', ['-q', '-c', lab.headnodes.uri, 'list', '--all', '--name'])).stdout.split('\n').map((l) => l.trim());
  const files = (await readdir(lab.headnodes.overlayDir)).filter((f) => f.startsWith(name));
  return { domains: listed.filter((d) => d === name), files };
}

/**
 * Everything a booking may have left on the lab's devices and in PostgreSQL, device by device,
 * read straight from each device (never through laas's drivers). Empty means zero residue.
 */
export async function residueOf(lab: RealLab, db: Kysely<Database>, scope: BookingScope): Promise<string[]> {
  const residue: string[] = [];
  const mark = `laas-booking=${scope.bookingId}`;
  for (const name of scope.hosts) {
    const host = lab.host(name);
    if ((await host.bmc.power()) !== 'off') residue.push(`${name}: BMC says power on`);
    const boot = await host.bmc.bootDevice();
    if (boot !== 'default') residue.push(`${name}: BMC boots it from ${boot}`);
    for (const nic of host.nics) {
      const state = await portState(lab, nic.port);
      if (state !== RESET_PORT) residue.push(`${name}: switch port ${nic.port} (${nic.name}) is ${state}`);
    }
    const open = lab.fog.tasks(name).filter((t) => t.stateID <= 3);
    if (open.length) residue.push(`${name}: FOG task ${open.map((t) => t.id).join(', ')} still open`);
    const keys = (await authorizedKeys(lab, name)).filter((l) => l.includes(mark));
    if (keys.length) residue.push(`${name}: ${keys.length} key line(s) of the booking in authorized_keys`);
    const files = await networkFilesOf(lab, name);
    if (files.length) residue.push(`${name}: network files ${files.join(', ')}`);
  }
  for (const uid of scope.vpnUsers) {
    const view = await directoryView(lab, uid);
    const ours = view.entries.filter((e) => e.description.includes(mark));
    if (ours.length) residue.push(`LDAP: ${ours.map((e) => e.dn).join(', ')} still there`);
    // A membership of our (deleted) entry would stay behind in a groupOfNames; someone else's account may stay in it.
    const foreign = view.entries.filter((e) => !e.description.includes(mark)).map((e) => e.dn.toLowerCase());
    const members = view.groupMembers.filter((m) => m.toLowerCase() === `uid=${uid},ou=people,${lab.slapd.suffix}`.toLowerCase() && !foreign.includes(m.toLowerCase()));
    if (members.length) residue.push(`LDAP: VPN group still lists ${members.join(', ')}`);
  }
  const headnode = await headnodeView(lab, scope.bookingId);
  if (headnode.domains.length) residue.push(`libvirt: domain ${headnode.domains.join(', ')} still defined`);
  if (headnode.files.length) residue.push(`libvirt: ${headnode.files.join(', ')} still in the overlay directory`);
  const hostRows = await db.selectFrom('host_allocations').select('id').where('booking_id', '=', scope.bookingId).execute();
  const vlanRows = await db.selectFrom('vlan_allocations').select('id').where('booking_id', '=', scope.bookingId).execute();
  if (hostRows.length) residue.push(`PostgreSQL: ${hostRows.length} host allocation(s) held`);
  if (vlanRows.length) residue.push(`PostgreSQL: ${vlanRows.length} VLAN allocation(s) held`);
  return residue;
}
