import { DeviceError } from '../errors';

export interface VpnAccountRequest {
  uid: string;
  bookingId: string;
  project: string;
}

export interface VpnAccount {
  uid: string;
  dn: string;
  /** Present only when the account was created by this call: deliver once, never log. */
  password?: string;
  created: boolean;
  /** A directory user's own account (user/create), joined for this booking: its password is the user's, never issued here. */
  standing?: boolean;
}

/** A standing user of the lab directory (the dashboard's "IPA" account): name, mail, company, SSH keys. */
export interface DirectoryUser {
  uid: string;
  givenname: string;
  sn: string;
  mail: string;
  /** Company; "" when unset. */
  ou: string;
  sshKeys: string[];
}

/** The standing users kept in the directory, beside the bookings' VPN accounts. */
export interface DirectoryUsers {
  /** The users of these names that exist, in no particular order; a booking's VPN account is not a user. */
  getUsers(uids: string[]): Promise<DirectoryUser[]>;
  /** False when the name is taken (by a user or by any other entry). The password is random and never leaves the driver. */
  createUser(user: Omit<DirectoryUser, 'sshKeys'>): Promise<boolean>;
  /** Replace the user's SSH keys; false when there is no such user. */
  setUserKeys(uid: string, keys: string[]): Promise<boolean>;
  /** Set the user's company ("" clears it); false when there is no such user. */
  setUserCompany(uid: string, ou: string): Promise<boolean>;
}

/**
 * The lab's user directory (LDAP) behind the VPN. A booking's VPN user who is a standing user
 * gets this booking's marker and the VPN group on their own entry (and loses both at undo);
 * anyone else gets an account of the booking's own.
 */
export interface DirectoryDriver extends DirectoryUsers {
  readonly kind: string;
  /** Create the account for this booking, or adopt it if it already carries this booking's marker. */
  ensureVpnAccount(request: VpnAccountRequest): Promise<VpnAccount>;
  /** Remove the account and its group membership if it carries this booking's marker; missing is a no-op. */
  removeVpnAccount(uid: string, bookingId: string): Promise<void>;
  /** A new password for this booking's account (the old one stops binding); deliver once, never log. */
  resetVpnPassword(uid: string, bookingId: string): Promise<string>;
  /** True when the password binds as the account. */
  checkBind(uid: string, password: string): Promise<boolean>;
}

export class DirectoryUnreachable extends DeviceError {
  constructor(detail: string) {
    super('DirectoryUnreachable', `LDAP directory did not answer: ${detail}`, true);
  }
}
export class DirectoryAuthFailed extends DeviceError {
  constructor() {
    super('DirectoryAuthFailed', 'LDAP directory refused the configured bind credentials', false);
  }
}
export class AccountTaken extends DeviceError {
  constructor(uid: string) {
    super('AccountTaken', `VPN account ${uid} already exists and belongs to someone else`, false, { uid });
  }
}
/** The directory answered but refused the change (schema, access rights): retrying will not help. */
export class DirectoryRejected extends DeviceError {
  constructor(action: string, detail: string) {
    super('DirectoryRejected', `LDAP directory refused to ${action}: ${detail}`, false, { action });
  }
}
/** The booking has no account of that name (never created, or already removed). */
export class VpnAccountMissing extends DeviceError {
  constructor(uid: string, bookingId: string) {
    super('VpnAccountMissing', `booking ${bookingId} has no VPN account ${uid}`, false, { uid });
  }
}
