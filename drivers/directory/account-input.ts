import { InvalidInput } from '../errors';

// Control characters (C0, DEL, C1) and lone surrogates: never part of a name a person types.
const isControlOrBroken = (char: string): boolean => {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xdfff);
};
const hasControl = (value: string): boolean => [...value].some(isControlOrBroken);

/**
 * VPN user names come from the dashboard, which accepts more than POSIX names.
 * Policy: any 1-64 character Unicode string without control characters and without
 * leading or trailing blanks (LDAP matching ignores them, so ` alice` would
 * collide with `alice`). Characters that mean something to LDAP (`,=+*()\`)
 * are allowed because every value is escaped before it reaches a DN or a filter.
 * `ascii` is set when the value also lands in an IA5String attribute (memberUid).
 */
export function checkUid(uid: string, ascii: boolean): string {
  if (typeof uid !== 'string' || uid.length === 0) throw new InvalidInput('VPN user name', String(uid), 'must not be empty');
  if ([...uid].length > 64) throw new InvalidInput('VPN user name', uid, 'must be at most 64 characters');
  if (hasControl(uid)) {
    throw new InvalidInput('VPN user name', uid, 'must not contain control characters');
  }
  if (uid.trim() !== uid) throw new InvalidInput('VPN user name', uid, 'must not start or end with blanks');
  if (ascii && !/^[\x20-\x7e]+$/.test(uid)) {
    throw new InvalidInput('VPN user name', uid, 'must be printable ASCII because the VPN group lists members by memberUid');
  }
  return uid;
}

/** Booking ids are ours (UUIDs or similar): a strict pattern keeps the marker unambiguous. */
export function checkBookingId(bookingId: string): string {
  if (typeof bookingId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(bookingId)) {
    throw new InvalidInput('booking id', String(bookingId), 'must be 1-128 letters, digits, dots, colons, dashes or underscores');
  }
  return bookingId;
}

export function checkProject(project: string): string {
  if (typeof project !== 'string' || project.length === 0 || project.length > 128 || hasControl(project)) {
    throw new InvalidInput('project', String(project), 'must be 1-128 characters without control characters');
  }
  return project;
}
