import { Attribute, Change, Client, EqualityFilter, type Entry } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryAuthFailed, DirectoryUnreachable, VpnAccountMissing } from '../../drivers/directory/directory';
import { LdapDirectory } from '../../drivers/directory/ldap';
import { type LdapDirectoryInput } from '../../drivers/directory/ldap-options';
import { sshaMatches } from '../../drivers/directory/password';
import { InvalidInput } from '../../drivers/errors';
import { freeLoopbackPort, startSlapd, type Slapd } from '../../sim/counterparts/slapd';
import { directoryConformance, type DirectoryProbe } from './directory.conformance';

let slapd: Slapd;
beforeAll(async () => {
  slapd = await startSlapd();
});
afterAll(async () => {
  await slapd?.stop();
});

const first = (entry: Entry | undefined, attribute: string): string[] => {
  const raw = entry?.[attribute];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
};

/** Looks at the directory as admin with ldapts' own BER filters: no string escaping of ours involved. */
async function asAdmin<T>(work: (ldap: Client) => Promise<T>): Promise<T> {
  const ldap = new Client({ url: slapd.url, timeout: 5000 });
  try {
    await ldap.bind(slapd.adminDn, slapd.adminPassword);
    return await work(ldap);
  } finally {
    await ldap.unbind();
  }
}

const findEntry = (ldap: Client, uid: string) =>
  ldap
    .search(`ou=people,${slapd.suffix}`, { scope: 'one', filter: new EqualityFilter({ attribute: 'uid', value: uid }) })
    .then((r) => r.searchEntries);

function ldapProbe(membership: 'member' | 'memberUid'): DirectoryProbe {
  const groupDn = membership === 'member' ? slapd.vpnGroupDn : slapd.vpnPosixGroupDn;
  return {
    account: (uid) =>
      asAdmin(async (ldap) => {
        const entries = await findEntry(ldap, uid);
        if (entries.length > 1) throw new Error(`${entries.length} entries for ${uid}`);
        const entry = entries[0];
        if (!entry) return null;
        return { uid: first(entry, 'uid')[0] ?? '', userPassword: first(entry, 'userPassword')[0] ?? '', description: first(entry, 'description') };
      }),
    inVpnGroup: (uid) =>
      asAdmin(async (ldap) => {
        const value = membership === 'member' ? (await findEntry(ldap, uid))[0]?.dn : uid;
        if (value === undefined) return false;
        const hit = await ldap.search(groupDn, { scope: 'base', filter: new EqualityFilter({ attribute: membership, value }) });
        return hit.searchEntries.length === 1;
      }),
    plantForeignAccount: (uid, password) =>
      asAdmin(async (ldap) => {
        // Test names here are plain, so the DN needs no escaping.
        await ldap.add(`uid=${uid},ou=people,${slapd.suffix}`, { objectClass: 'inetOrgPerson', uid, cn: uid, sn: uid, userPassword: password });
      }),
  };
}

const groupOfNamesOptions = (): LdapDirectoryInput => ({
  url: slapd.url,
  bindDn: slapd.adminDn,
  bindPassword: slapd.adminPassword,
  root: slapd.suffix,
  userDirectory: slapd.userDirectory,
  vpnGroup: { dn: slapd.vpnGroupDn, membership: 'member' },
});

const posixOptions = (): LdapDirectoryInput => ({
  ...groupOfNamesOptions(),
  vpnGroup: { dn: slapd.vpnPosixGroupDn, membership: 'memberUid' },
  objectClasses: ['inetOrgPerson', 'posixAccount'],
  posix: { gidNumber: 20000, uidNumberFrom: 30000 },
  passwordScheme: 'server',
});

directoryConformance('LDAP, inetOrgPerson in a groupOfNames, {SSHA} hashed here', () => ({
  driver: new LdapDirectory(groupOfNamesOptions()),
  probe: ldapProbe('member'),
}));

directoryConformance('LDAP, posixAccount in a posixGroup, hashed by the server', () => ({
  driver: new LdapDirectory(posixOptions()),
  probe: ldapProbe('memberUid'),
}));

describe('LdapDirectory on OpenLDAP', () => {
  it('stores an {SSHA} hash of the delivered password and the booking marker', async () => {
    const driver = new LdapDirectory(groupOfNamesOptions());
    const account = await driver.ensureVpnAccount({ uid: 'ssha-ivan', bookingId: 'b-200', project: 'opnfv' });
    const stored = await ldapProbe('member').account('ssha-ivan');
    expect(sshaMatches(account.password ?? '', stored?.userPassword ?? '')).toBe(true);
    expect(stored?.description).toEqual(expect.arrayContaining(['laas-booking=b-200', 'laas-project=opnfv']));
  });

  it('finishes the work of an attempt that died half way, in both directions', async () => {
    const driver = new LdapDirectory(groupOfNamesOptions());
    const probe = ldapProbe('member');
    const account = await driver.ensureVpnAccount({ uid: 'half-way', bookingId: 'b-205', project: 'opnfv' });
    const leave = () =>
      asAdmin((ldap) =>
        ldap.modify(slapd.vpnGroupDn, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [account.dn] }) })),
      );
    // Died after adding the entry, before joining the group: the retry joins it.
    await leave();
    expect(await probe.inVpnGroup('half-way')).toBe(false);
    expect((await driver.ensureVpnAccount({ uid: 'half-way', bookingId: 'b-205', project: 'opnfv' })).created).toBe(false);
    expect(await probe.inVpnGroup('half-way')).toBe(true);
    // Died after leaving the group, before deleting the entry: the retried undo deletes it.
    await leave();
    await driver.removeVpnAccount('half-way', 'b-205');
    expect(await probe.account('half-way')).toBeNull();
  });

  it('hands out distinct uidNumbers from the configured start to posix accounts', async () => {
    const driver = new LdapDirectory(posixOptions());
    await driver.ensureVpnAccount({ uid: 'posix-judy', bookingId: 'b-201', project: 'opnfv' });
    await driver.ensureVpnAccount({ uid: 'posix-ken', bookingId: 'b-201', project: 'opnfv' });
    const numbers = await asAdmin(async (ldap) =>
      Promise.all(['posix-judy', 'posix-ken'].map(async (uid) => Number(first((await findEntry(ldap, uid))[0], 'uidNumber')[0]))),
    );
    expect(numbers[0]).toBeGreaterThanOrEqual(30000);
    expect(new Set(numbers).size).toBe(2);
  });

  it('takes a non-ASCII name into a groupOfNames but refuses it for memberUid, which is ASCII only', async () => {
    const account = await new LdapDirectory(groupOfNamesOptions()).ensureVpnAccount({ uid: 'jürgen', bookingId: 'b-202', project: 'opnfv' });
    expect(await new LdapDirectory(groupOfNamesOptions()).checkBind('jürgen', account.password ?? '')).toBe(true);
    await expect(new LdapDirectory(posixOptions()).ensureVpnAccount({ uid: 'jürgen2', bookingId: 'b-202', project: 'opnfv' })).rejects.toBeInstanceOf(
      InvalidInput,
    );
  });

  it('reports refused admin credentials as DirectoryAuthFailed, without the password in the message', async () => {
    const driver = new LdapDirectory({ ...groupOfNamesOptions(), bindPassword: 'wrong-admin-secret' });
    const err = await driver.ensureVpnAccount({ uid: 'nobody-made', bookingId: 'b-203', project: 'opnfv' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryAuthFailed);
    expect((err as Error).message).not.toContain('wrong-admin-secret');
    expect(await ldapProbe('member').account('nobody-made')).toBeNull();
  });

  it('reports a directory that does not answer as DirectoryUnreachable (retryable)', async () => {
    const port = await freeLoopbackPort();
    const driver = new LdapDirectory({ ...groupOfNamesOptions(), url: `ldap://127.0.0.1:${port}`, timeoutMs: 2000 });
    const err = await driver.removeVpnAccount('someone', 'b-204').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryUnreachable);
    expect((err as DirectoryUnreachable).retryable).toBe(true);
  });

  it('refuses bad options at construction, naming the key and never echoing the password', () => {
    const build = () => new LdapDirectory({ ...groupOfNamesOptions(), objectClasses: ['inetOrgPerson', 'posixAccount'], bindPassword: 'p4ss-word' });
    expect(build).toThrow(/posix: is required/);
    expect(build).not.toThrow(/p4ss-word/);
  });
});

describe('standing users (liblaas) in OpenLDAP', () => {
  it('a user in two bookings stays in the VPN group until the last ends; the entry, its keys and password stay', async () => {
    const driver = new LdapDirectory(groupOfNamesOptions());
    const probe = ldapProbe('member');
    expect(await driver.createUser({ uid: 'ida', givenname: 'Ida', sn: 'Noddack', mail: 'ida@example.org', ou: '' })).toBe(true);
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u ida';
    expect(await driver.setUserKeys('ida', [key])).toBe(true);
    const stored = (await probe.account('ida'))!;
    for (const booking of ['b-301', 'b-302']) {
      expect(await driver.ensureVpnAccount({ uid: 'ida', bookingId: booking, project: 'opnfv' })).toMatchObject({ created: false, standing: true });
    }
    expect(await probe.inVpnGroup('ida')).toBe(true);
    expect((await probe.account('ida'))!.description.sort()).toEqual(['laas-booking=b-301', 'laas-booking=b-302', 'laas-user']);
    // Not the booking's to reset: the password is the user's own.
    await expect(driver.resetVpnPassword('ida', 'b-301')).rejects.toBeInstanceOf(VpnAccountMissing);
    await driver.removeVpnAccount('ida', 'b-301');
    expect(await probe.inVpnGroup('ida')).toBe(true);
    await driver.removeVpnAccount('ida', 'b-302');
    await driver.removeVpnAccount('ida', 'b-302');
    expect(await probe.inVpnGroup('ida')).toBe(false);
    expect(await probe.account('ida')).toEqual({ ...stored, description: ['laas-user'] });
    expect(await driver.getUsers(['ida', 'nobody'])).toEqual([{ uid: 'ida', givenname: 'Ida', sn: 'Noddack', mail: 'ida@example.org', ou: '', sshKeys: [key] }]);
  });

  it('a booking\'s own VPN account is not a user, and its name cannot be taken by user/create', async () => {
    const driver = new LdapDirectory(groupOfNamesOptions());
    await driver.ensureVpnAccount({ uid: 'otto', bookingId: 'b-303', project: 'opnfv' });
    expect(await driver.getUsers(['otto'])).toEqual([]);
    expect(await driver.createUser({ uid: 'otto', givenname: 'Otto', sn: 'Hahn', mail: 'otto@example.org', ou: '' })).toBe(false);
    expect(await driver.setUserCompany('otto', 'KWI')).toBe(false);
    await driver.removeVpnAccount('otto', 'b-303');
    expect(await ldapProbe('member').account('otto')).toBeNull();
  });
});
