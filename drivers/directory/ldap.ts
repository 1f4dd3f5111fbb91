import { AlreadyExistsError, Attribute, Change, Client, InvalidCredentialsError, NoSuchAttributeError, TypeOrValueExistsError, type Entry } from 'ldapts';
import { driverLog } from '../../config/driver-log';
import { checkBookingId, checkProject, checkUid } from './account-input';
import { AccountTaken, DirectoryUnreachable, VpnAccountMissing, type DirectoryDriver, type DirectoryUser, type VpnAccount, type VpnAccountRequest } from './directory';
import { LdapUsers, USER_MARKER } from './ldap-users';
import { escapeDnValue, escapeFilterValue } from './escape';
import { directoryError } from './ldap-errors';
import { joinGroup, leaveGroup, replacePassword, setPasswordOnServer } from './ldap-group';
import { isPosix, needsSurname, parseLdapDirectoryOptions, type LdapDirectoryInput, type LdapDirectoryOptions } from './ldap-options';
import { generatePassword, sshaHash } from './password';

/** Carried in `description` (allowed by person and posixAccount alike): whose booking made this account. */
const BOOKING_MARKER = 'laas-booking=';
const PROJECT_MARKER = 'laas-project=';

interface Account {
  dn: string;
  bookings: string[];
  /** A standing user's entry (user/create): joined and left per booking, never deleted here. */
  standing: boolean;
}

const values = (entry: Entry, attribute: string): string[] => {
  const raw = entry[attribute];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
};

/**
 * VPN accounts in an LDAP directory (OpenLDAP, 389-DS, ...). One connection per
 * call: the driver is used a few times per booking, and a fresh bind cannot
 * inherit a half-broken session.
 */
export class LdapDirectory implements DirectoryDriver {
  readonly kind = 'ldap';
  private readonly options: Readonly<LdapDirectoryOptions>;
  private readonly peopleDn: string;
  private readonly users: LdapUsers;

  constructor(input: LdapDirectoryInput) {
    this.options = parseLdapDirectoryOptions(input);
    this.peopleDn = `${this.options.userDirectory},${this.options.root}`;
    this.users = new LdapUsers(this.options, this.peopleDn);
  }

  getUsers(uids: string[]): Promise<DirectoryUser[]> {
    return this.asAdmin('look up users', (ldap) => this.users.get(ldap, uids));
  }
  createUser(user: Omit<DirectoryUser, 'sshKeys'>): Promise<boolean> {
    return this.asAdmin('create the user', (ldap) => this.users.create(ldap, user));
  }
  setUserKeys(uid: string, keys: string[]): Promise<boolean> {
    return this.asAdmin("set the user's SSH keys", (ldap) => this.users.setKeys(ldap, uid, keys));
  }
  setUserCompany(uid: string, ou: string): Promise<boolean> {
    return this.asAdmin("set the user's company", (ldap) => this.users.setCompany(ldap, uid, ou));
  }

  /** memberUid and the posixAccount attributes are IA5String: ASCII only. */
  private get asciiNames(): boolean {
    return this.options.vpnGroup.membership === 'memberUid' || isPosix(this.options);
  }

  async ensureVpnAccount(request: VpnAccountRequest): Promise<VpnAccount> {
    const uid = checkUid(request.uid, this.asciiNames);
    const bookingId = checkBookingId(request.bookingId);
    const project = checkProject(request.project);
    return this.asAdmin('create the VPN account', async (ldap) => {
      const standing = (await this.findAccounts(ldap, uid)).find((a) => a.standing);
      if (standing) {
        await this.markBooking(ldap, standing.dn, bookingId, 'add');
        await joinGroup(ldap, this.options.vpnGroup, this.memberValue(standing, uid));
        return { uid, dn: standing.dn, created: false, standing: true };
      }
      let account = this.ours(await this.findAccounts(ldap, uid), uid, bookingId);
      let password: string | undefined;
      if (!account) {
        const fresh = generatePassword();
        const added = await this.addAccount(ldap, uid, bookingId, project, fresh);
        // Read back through the same search the VPN server uses, which also settles a concurrent add.
        account = this.ours(await this.findAccounts(ldap, uid), uid, bookingId);
        if (!account) throw new DirectoryUnreachable(`VPN account ${uid} vanished right after it was added`);
        if (added) password = fresh;
      }
      await joinGroup(ldap, this.options.vpnGroup, this.memberValue(account, uid));
      return password === undefined ? { uid, dn: account.dn, created: false } : { uid, dn: account.dn, created: true, password };
    });
  }

  async removeVpnAccount(uid: string, bookingId: string): Promise<void> {
    checkUid(uid, false);
    checkBookingId(bookingId);
    await this.asAdmin('remove the VPN account', async (ldap) => {
      // Someone else's account of that name is not ours to undo: leave it alone.
      const mine = (await this.findAccounts(ldap, uid)).filter((a) => a.bookings.includes(bookingId));
      for (const account of mine) {
        if (account.standing) {
          // The user stays; this booking's marker goes, and the VPN group once no booking of theirs is left.
          await this.markBooking(ldap, account.dn, bookingId, 'delete');
          if (account.bookings.every((b) => b === bookingId)) await leaveGroup(ldap, this.options.vpnGroup, this.memberValue(account, uid));
          continue;
        }
        // Membership first: a crash in between leaves an entry we still recognise by its marker.
        await leaveGroup(ldap, this.options.vpnGroup, this.memberValue(account, uid));
        await ldap.del(account.dn);
      }
    });
  }

  async resetVpnPassword(uid: string, bookingId: string): Promise<string> {
    checkUid(uid, false);
    checkBookingId(bookingId);
    return this.asAdmin('reset the VPN password', async (ldap) => {
      // A standing user's password is their own, not the booking's to reset.
      const account = (await this.findAccounts(ldap, uid)).find((a) => a.bookings.includes(bookingId) && !a.standing);
      if (!account) throw new VpnAccountMissing(uid, bookingId);
      const password = generatePassword();
      await replacePassword(ldap, account.dn, password, this.options.passwordScheme);
      return password;
    });
  }

  async checkBind(uid: string, password: string): Promise<boolean> {
    checkUid(uid, false);
    // An empty password makes a simple bind anonymous (RFC 4513 5.1.2): it would "succeed" and prove nothing.
    if (password.length === 0) return false;
    const accounts = await this.asAdmin('look up the VPN account', (ldap) => this.findAccounts(ldap, uid));
    if (accounts.length !== 1 || !accounts[0]) return false;
    const client = this.client();
    try {
      await client.bind(accounts[0].dn, password);
      return true;
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return false;
      throw directoryError(err, 'check the VPN password');
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  private client(): Client {
    return new Client({ url: this.options.url, timeout: this.options.timeoutMs, connectTimeout: this.options.timeoutMs });
  }

  private async asAdmin<T>(action: string, work: (ldap: Client) => Promise<T>): Promise<T> {
    const ldap = this.client();
    driverLog().debug({ url: this.options.url, bindDn: this.options.bindDn }, `LDAP: ${action}`);
    try {
      await ldap.bind(this.options.bindDn, this.options.bindPassword);
      return await work(ldap);
    } catch (err) {
      throw directoryError(err, action);
    } finally {
      await ldap.unbind().catch(() => undefined);
    }
  }

  /** Every entry the VPN server would take for this user: it logs people in by uid, not by DN. */
  private async findAccounts(ldap: Client, uid: string): Promise<Account[]> {
    const { searchEntries } = await ldap.search(this.peopleDn, {
      scope: 'one',
      filter: `(uid=${escapeFilterValue(uid)})`,
      attributes: ['description'],
    });
    return searchEntries.map((entry) => ({
      dn: entry.dn,
      bookings: values(entry, 'description')
        .filter((d) => d.startsWith(BOOKING_MARKER))
        .map((d) => d.slice(BOOKING_MARKER.length)),
      standing: values(entry, 'description').includes(USER_MARKER),
    }));
  }

  /** Add or remove this booking's marker on a standing user's entry; already so is success. */
  private async markBooking(ldap: Client, dn: string, bookingId: string, operation: 'add' | 'delete'): Promise<void> {
    const modification = new Attribute({ type: 'description', values: [`${BOOKING_MARKER}${bookingId}`] });
    try {
      await ldap.modify(dn, new Change({ operation, modification }));
    } catch (err) {
      if (!(err instanceof TypeOrValueExistsError) && !(err instanceof NoSuchAttributeError)) throw err;
    }
  }

  /** This booking's account, null when there is none, AccountTaken when the name belongs to anyone else. */
  private ours(accounts: Account[], uid: string, bookingId: string): Account | null {
    if (accounts.some((a) => !a.bookings.includes(bookingId))) throw new AccountTaken(uid);
    return accounts[0] ?? null;
  }

  private memberValue(account: Account, uid: string): string {
    return this.options.vpnGroup.membership === 'member' ? account.dn : uid;
  }

  /** False when an entry of that DN appeared in the meantime (the caller reads back and decides). */
  private async addAccount(ldap: Client, uid: string, bookingId: string, project: string, password: string): Promise<boolean> {
    const dn = `uid=${escapeDnValue(uid)},${this.peopleDn}`;
    const attributes: Record<string, string | string[]> = {
      objectClass: this.options.objectClasses,
      uid,
      cn: uid,
      description: [`${BOOKING_MARKER}${bookingId}`, `${PROJECT_MARKER}${project}`],
    };
    if (needsSurname(this.options)) attributes.sn = uid;
    if (this.options.passwordScheme === '{SSHA}') attributes.userPassword = sshaHash(password);
    const posix = this.options.posix;
    if (posix && isPosix(this.options)) {
      Object.assign(attributes, {
        uidNumber: String(await this.nextUidNumber(ldap, posix.uidNumberFrom)),
        gidNumber: String(posix.gidNumber),
        homeDirectory: posix.homeDirectory,
        loginShell: posix.loginShell,
      });
    }
    try {
      await ldap.add(dn, attributes);
    } catch (err) {
      if (err instanceof AlreadyExistsError) return false;
      throw err;
    }
    if (this.options.passwordScheme === 'server') {
      try {
        await setPasswordOnServer(ldap, dn, password);
      } catch (err) {
        // An account nobody can log in to must not be adopted later as if it were complete.
        await ldap.del(dn).catch(() => undefined);
        throw err;
      }
    }
    return true;
  }

  /**
   * One more than the highest uidNumber under the user directory. Two bookings
   * adding at the same instant could pick the same number; the VPN does not
   * key on it, so that is tolerated rather than locked.
   */
  private async nextUidNumber(ldap: Client, from: number): Promise<number> {
    const { searchEntries } = await ldap.search(this.peopleDn, { scope: 'one', filter: '(uidNumber=*)', attributes: ['uidNumber'] });
    const used = searchEntries.flatMap((e) => values(e, 'uidNumber')).map(Number).filter(Number.isInteger);
    return Math.max(from - 1, ...used) + 1;
  }
}
