/**
 * liblaas's users on laas's directory driver, against a real slapd (the rest of the lab
 * simulated): user/create makes a directory entry, user/{u}/ssh and /company change its
 * sshPublicKey and ou attributes, user/{u} answers §2.16's exact shape from them; a booking puts
 * its users' own entries in the VPN group and takes them out again at its end, the users staying.
 */
import { Client, EqualityFilter, type Entry } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../drivers/directory/ldap';
import { startSlapd, type Slapd } from '../../sim/counterparts/slapd';
import { SimDashboard, type DashboardUser } from '../../sim/liblaas-dashboard/dashboard';
import { endBooking, poll } from '../../sim/liblaas-dashboard/booking-page';
import { startLiblaas, until, type LiblaasEnv } from '../helpers/liblaas';
import { ed25519Blob, keyLine } from '../unit/ssh-keys.fixtures';

let slapd: Slapd;
let t: LiblaasEnv;
let dash: SimDashboard;
const ada: DashboardUser = { name: 'ada', email: 'ada@example.org', ipa: null };
const carl: DashboardUser = { name: 'carl', email: 'carl@example.org', ipa: null };
const adaKey = keyLine(ed25519Blob(), 'ada@laptop');

beforeAll(async () => {
  slapd = await startSlapd();
  const directory = new LdapDirectory({ url: slapd.url, bindDn: slapd.adminDn, bindPassword: slapd.adminPassword, root: slapd.suffix, userDirectory: slapd.userDirectory, vpnGroup: { dn: slapd.vpnGroupDn, membership: 'member' } });
  t = await startLiblaas({}, { directory });
  dash = new SimDashboard(t.base, 'anuket');
}, 120_000);
afterAll(async () => {
  await t?.close();
  await slapd?.stop();
});

const strings = (entry: Entry | undefined, attribute: string): string[] => {
  const raw = entry?.[attribute];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v)).sort();
};

/** The directory as its admin sees it, without the driver. */
async function look(uid: string): Promise<{ entries: Entry[]; inVpn: boolean }> {
  const ldap = new Client({ url: slapd.url, timeout: 5000 });
  try {
    await ldap.bind(slapd.adminDn, slapd.adminPassword);
    const { searchEntries } = await ldap.search(`${slapd.userDirectory},${slapd.suffix}`, { scope: 'one', filter: new EqualityFilter({ attribute: 'uid', value: uid }), attributes: ['*'] });
    const dn = searchEntries[0]?.dn;
    const group = dn ? await ldap.search(slapd.vpnGroupDn, { scope: 'base', filter: new EqualityFilter({ attribute: 'member', value: dn }) }) : { searchEntries: [] };
    return { entries: searchEntries, inVpn: group.searchEntries.length === 1 };
  } finally {
    await ldap.unbind();
  }
}

describe('liblaas users in the lab directory (slapd)', () => {
  it('user/create, ssh and company write the directory entry; user/{u} and user/many read it in §2.16\'s shape', async () => {
    expect(await dash.landing(ada)).toBe('new');
    expect(await dash.createAccount(ada, { givenname: 'Ada', sn: 'Lovelace', company: '' })).toBe(true);
    expect(await dash.createAccount(carl, { givenname: 'Carl', sn: 'Gauss', company: 'Göttingen' })).toBe(true);
    let [entry] = (await look('ada')).entries;
    expect(strings(entry, 'mail')).toEqual(['ada@example.org']);
    expect(strings(entry, 'sshPublicKey')).toEqual([]);
    expect(strings(entry, 'ou')).toEqual([]);
    // No keys: no ipasshpubkey at all; no company: "".
    expect(await dash.api.user('ada')).toEqual({ uid: 'ada', givenname: 'Ada', sn: 'Lovelace', mail: 'ada@example.org', ou: '', cn: 'Ada Lovelace' });
    expect(await dash.fixPrerequisites(ada, { company: 'Analytical Engines', keys: [adaKey] })).toBe(true);
    [entry] = (await look('ada')).entries;
    expect(strings(entry, 'sshPublicKey')).toEqual([adaKey]);
    expect(strings(entry, 'ou')).toEqual(['Analytical Engines']);
    expect(await dash.api.user('ada')).toEqual({ uid: 'ada', givenname: 'Ada', sn: 'Lovelace', mail: 'ada@example.org', ou: 'Analytical Engines', cn: 'Ada Lovelace', ipasshpubkey: [adaKey] });
    expect(await dash.api.users(['carl', 'ada'])).toMatchObject([{ uid: 'carl', ou: 'Göttingen' }, { uid: 'ada' }]);
    expect((await dash.api.users(['carl']))).not.toMatchObject([{ ipasshpubkey: expect.anything() as unknown }]);
    expect(await dash.api.user('nobody')).toBeNull();
    expect(await dash.api.users(['ada', 'nobody'])).toBeNull();
    // Replacing with none removes the attribute.
    expect(await dash.api.setSsh('carl', [keyLine(ed25519Blob(), 'carl')])).toBe(true);
    expect(await dash.api.setSsh('carl', [])).toBe(true);
    expect(strings((await look('carl')).entries[0], 'sshPublicKey')).toEqual([]);
    expect(await dash.api.userCreate({ uid: 'ada', givenname: 'A', sn: 'L', ou: '', mail: 'other@example.org' })).toBe(false);
    expect(strings((await look('ada')).entries[0], 'mail')).toEqual(['ada@example.org']);
  });

  it('a booking puts its users\' own entries in the VPN group, with their keys on the hosts; its end takes them out, the users stay', async () => {
    const page = await dash.bookPage(ada);
    const single = page.templates.find((x) => x.pod_name === 'sim.small')!;
    const made = await dash.book(ada, { templateId: single.id as string, collaborators: [carl], purpose: 'Testing', project: 'Anuket', details: 'Checking the directory accounts of a liblaas booking', length: 1 });
    expect(made.warnings).toEqual(['carl has no SSH key']);
    await until('ready', async () => (await poll(dash, made.bookingId)).ready);
    const b = dash.booking(made.bookingId);
    // The VPN step is the booking's own, beside the hosts': done once the booking is active.
    await until('active', async () => ((await dash.api.bookingStatus(b.aggregateId)) as { state: string }).state === 'active');
    for (const uid of ['ada', 'carl']) {
      const seen = await look(uid);
      // One entry each: their own, joined for this booking; no account of the booking's own.
      expect(seen.entries).toHaveLength(1);
      expect(strings(seen.entries[0], 'description')).toEqual(['laas-user', `laas-booking=${b.aggregateId}`].sort());
      expect(seen.inVpn).toBe(true);
    }
    const status = (await dash.api.bookingStatus(b.aggregateId)) as { instances: Record<string, { assigned_host_info: { hostname: string } }> };
    const host = Object.values(status.instances)[0]!.assigned_host_info.hostname;
    expect([...t.env.simLab.host(host).files.values()].some((f) => f.content.includes(adaKey))).toBe(true);
    expect(await endBooking(dash, b)).toBe(true);
    await until('released', async () => ((await dash.api.bookingStatus(b.aggregateId)) as { state: string }).state === 'released');
    for (const uid of ['ada', 'carl']) {
      const seen = await look(uid);
      expect(seen.entries).toHaveLength(1);
      expect(strings(seen.entries[0], 'description')).toEqual(['laas-user']);
      expect(seen.inVpn).toBe(false);
    }
    expect(await dash.api.user('ada')).toMatchObject({ ipasshpubkey: [adaKey], ou: 'Analytical Engines' });
  });
});
