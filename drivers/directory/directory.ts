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
}

/** The lab's user directory (LDAP) behind the VPN. */
export interface DirectoryDriver {
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
