import { BadArgumentError } from './errors';

// Labels end up in switch commands, FOG names and LDAP attributes later: a
// conservative grammar, checked when a thing is registered.
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
// Port labels carry slashes and colons (Ethernet1/34, gi1/0/1, ethernet1/1/3:1).
const PORT_LABEL = /^[A-Za-z0-9][A-Za-z0-9/._:-]{0,63}$/;
const MAC = /^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

export function checkLabel(kind: string, value: string): string {
  if (!LABEL.test(value)) {
    throw new BadArgumentError(`${kind} name ${JSON.stringify(value)} must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit`, {
      what: kind,
    });
  }
  return value;
}

export function checkPortLabel(value: string): string {
  if (!PORT_LABEL.test(value) || value.includes('//') || value.endsWith('/')) {
    throw new BadArgumentError(`port name ${JSON.stringify(value)} must be letters, digits and "/", ".", "_", ":" or "-" (like Ethernet1/34)`, {
      what: 'port',
    });
  }
  return value;
}

/** MAC addresses are stored lower-case with colons, whichever way they were written. */
export function normalizeMac(value: string): string {
  if (!MAC.test(value)) throw new BadArgumentError(`MAC address ${JSON.stringify(value)} is not like 52:54:00:12:34:56`, { what: 'macaddr' });
  const hex = value.toLowerCase().replace(/[:-]/g, '');
  return hex.match(/../g)!.join(':');
}

/** A BMC or switch address: an IP address or a DNS name, or a sim:// URL for the simulated lab. */
export function checkAddress(kind: string, value: string): string {
  const ok = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(value) || /^[0-9a-fA-F:]+$/.test(value) || /^sim:\/\/[A-Za-z0-9/._-]+$/.test(value);
  if (!ok) throw new BadArgumentError(`${kind} ${JSON.stringify(value)} must be an IP address or a DNS name`, { what: kind });
  return value;
}
