import {
  Attribute,
  Change,
  NoSuchAttributeError,
  ObjectClassViolationError,
  TypeOrValueExistsError,
  BerWriter,
  type Client,
} from 'ldapts';
import { DirectoryRejected } from './directory';
import { sshaHash } from './password';

/** The VPN group, as groupOfNames (`member`: DNs) or posixGroup (`memberUid`: names). */
export interface VpnGroup {
  dn: string;
  membership: 'member' | 'memberUid';
}

/** Add a member; already being one is success, so a retried booking step converges. */
export async function joinGroup(ldap: Client, group: VpnGroup, value: string): Promise<void> {
  const modification = new Attribute({ type: group.membership, values: [value] });
  try {
    await ldap.modify(group.dn, new Change({ operation: 'add', modification }));
  } catch (err) {
    if (!(err instanceof TypeOrValueExistsError)) throw err;
  }
}

/** Remove a member; not being one is success (undo must be idempotent). */
export async function leaveGroup(ldap: Client, group: VpnGroup, value: string): Promise<void> {
  const modification = new Attribute({ type: group.membership, values: [value] });
  try {
    await ldap.modify(group.dn, new Change({ operation: 'delete', modification }));
  } catch (err) {
    if (err instanceof NoSuchAttributeError) return;
    if (err instanceof ObjectClassViolationError) {
      // groupOfNames must keep one member: the last VPN user cannot leave an otherwise empty group.
      throw new DirectoryRejected('remove the last member of the VPN group', 'groupOfNames needs at least one member; give the group a placeholder member');
    }
    throw err;
  }
}

const PASSWORD_MODIFY = '1.3.6.1.4.1.4203.1.11.1';

/**
 * RFC 3062 Password Modify: the directory hashes the password with its own
 * configured scheme. The request carries the password, so it is built here and
 * never put into an error message.
 */
export async function setPasswordOnServer(ldap: Client, dn: string, password: string): Promise<void> {
  const request = new BerWriter();
  request.startSequence();
  request.writeString(dn, 0x80); // [0] userIdentity
  request.writeString(password, 0x82); // [2] newPasswd
  request.endSequence();
  await ldap.exop(PASSWORD_MODIFY, request.buffer);
}

/** A new password for an existing account: hashed here ({SSHA}) or by the server (Password Modify). */
export async function replacePassword(ldap: Client, dn: string, password: string, scheme: '{SSHA}' | 'server'): Promise<void> {
  if (scheme === 'server') return setPasswordOnServer(ldap, dn, password);
  const modification = new Attribute({ type: 'userPassword', values: [sshaHash(password)] });
  await ldap.modify(dn, new Change({ operation: 'replace', modification }));
}
