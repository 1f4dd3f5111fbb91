import { AlreadyExistsError, Attribute, Change, TypeOrValueExistsError, type Client, type Entry } from 'ldapts';
import { checkUid } from './account-input';
import { DirectoryRejected, type DirectoryUser } from './directory';
import { escapeDnValue, escapeFilterValue } from './escape';
import { isPosix, type LdapDirectoryOptions } from './ldap-options';
import { generatePassword, sshaHash } from './password';

/** In `description` of a standing user's entry (user/create), beside any booking markers. */
export const USER_MARKER = 'laas-user';
const BOOKING_MARKER = 'laas-booking=';

const values = (entry: Entry, attribute: string): string[] => {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  const raw = key === undefined ? undefined : entry[key];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
};

/** An entry the directory holds for a person: a user unless it is only some booking's VPN account. */
function isUser(entry: Entry): boolean {
  const d = values(entry, 'description');
  return d.includes(USER_MARKER) || !d.some((x) => x.startsWith(BOOKING_MARKER));
}

/** Standing users (name, mail, company, SSH keys) in the people directory, next to the bookings' VPN accounts. */
export class LdapUsers {
  constructor(
    private readonly options: Readonly<LdapDirectoryOptions>,
    private readonly peopleDn: string,
  ) {}

  private get keyAttribute(): string {
    return this.options.sshKeys.attribute;
  }

  private asUser(entry: Entry): DirectoryUser {
    const one = (a: string) => values(entry, a)[0] ?? '';
    return { uid: one('uid'), givenname: one('givenName'), sn: one('sn'), mail: one('mail'), ou: one('ou'), sshKeys: values(entry, this.keyAttribute) };
  }

  private async find(ldap: Client, uids: string[]): Promise<Entry[]> {
    if (!uids.length) return [];
    const filter = uids.length === 1 ? `(uid=${escapeFilterValue(uids[0]!)})` : `(|${uids.map((u) => `(uid=${escapeFilterValue(u)})`).join('')})`;
    const { searchEntries } = await ldap.search(this.peopleDn, {
      scope: 'one',
      filter,
      attributes: ['uid', 'givenName', 'sn', 'mail', 'ou', 'description', 'objectClass', this.keyAttribute],
    });
    return searchEntries;
  }

  async get(ldap: Client, uids: string[]): Promise<DirectoryUser[]> {
    uids.forEach((u) => checkUid(u, false));
    return (await this.find(ldap, [...new Set(uids)])).filter(isUser).map((e) => this.asUser(e));
  }

  async create(ldap: Client, user: Omit<DirectoryUser, 'sshKeys'>): Promise<boolean> {
    checkUid(user.uid, true);
    if ((await this.find(ldap, [user.uid])).length) return false;
    const classes = this.options.objectClasses.map((c) => c.toLowerCase());
    if (!classes.includes('inetorgperson')) throw new DirectoryRejected('create the user', 'objectClasses needs inetOrgPerson for givenName, mail and ou');
    const attributes: Record<string, string | string[]> = {
      objectClass: [...this.options.objectClasses, this.options.sshKeys.objectClass],
      uid: user.uid,
      cn: `${user.givenname} ${user.sn}`,
      givenName: user.givenname,
      sn: user.sn,
      mail: user.mail,
      description: USER_MARKER,
    };
    // Nobody knows it: the user sets their own through the lab's password reset.
    if (this.options.passwordScheme === '{SSHA}') attributes.userPassword = sshaHash(generatePassword());
    if (user.ou) attributes.ou = user.ou;
    const posix = this.options.posix;
    if (posix && isPosix(this.options)) {
      Object.assign(attributes, { uidNumber: String(await this.nextUidNumber(ldap, posix.uidNumberFrom)), gidNumber: String(posix.gidNumber), homeDirectory: posix.homeDirectory, loginShell: posix.loginShell });
    }
    try {
      await ldap.add(`uid=${escapeDnValue(user.uid)},${this.peopleDn}`, attributes);
    } catch (err) {
      if (err instanceof AlreadyExistsError) return false;
      throw err;
    }
    return true;
  }

  /** The one user entry of that name, or null. */
  private async user(ldap: Client, uid: string): Promise<Entry | null> {
    checkUid(uid, false);
    const users = (await this.find(ldap, [uid])).filter(isUser);
    return users.length === 1 ? users[0]! : null;
  }

  async setKeys(ldap: Client, uid: string, keys: string[]): Promise<boolean> {
    const entry = await this.user(ldap, uid);
    if (!entry) return false;
    const keyClass = this.options.sshKeys.objectClass.toLowerCase();
    if (!values(entry, 'objectClass').some((c) => c.toLowerCase() === keyClass)) {
      // A user made outside laas: give the entry the class that allows keys.
      await ldap.modify(entry.dn, new Change({ operation: 'add', modification: new Attribute({ type: 'objectClass', values: [this.options.sshKeys.objectClass] }) })).catch((err: unknown) => {
        if (!(err instanceof TypeOrValueExistsError)) throw err;
      });
    }
    // Replace with no values deletes the attribute: a user without keys has none.
    await ldap.modify(entry.dn, new Change({ operation: 'replace', modification: new Attribute({ type: this.keyAttribute, values: [...new Set(keys)] }) }));
    return true;
  }

  async setCompany(ldap: Client, uid: string, ou: string): Promise<boolean> {
    const entry = await this.user(ldap, uid);
    if (!entry) return false;
    await ldap.modify(entry.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'ou', values: ou ? [ou] : [] }) }));
    return true;
  }

  private async nextUidNumber(ldap: Client, from: number): Promise<number> {
    const { searchEntries } = await ldap.search(this.peopleDn, { scope: 'one', filter: '(uidNumber=*)', attributes: ['uidNumber'] });
    const used = searchEntries.flatMap((e) => values(e, 'uidNumber')).map(Number).filter(Number.isInteger);
    return Math.max(from - 1, ...used) + 1;
  }
}
