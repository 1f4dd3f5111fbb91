import { InvalidInput } from './errors';
import { checkPublicKey } from './host/public-key';
import { checkHostname } from './host/command-line';
import { checkNicName } from './host/network-plan';
import { checkUid } from './directory/account-input';
import { checkVlan } from './switch/vlan';

// One check per kind of value a booking sends to a device. The drivers run these before a value
// reaches a command line, a file or a directory; the API runs the same ones before any workflow
// starts, so a value the drivers would refuse is refused at the door, naming its field.

/** Why the check refused the value, or null when it passed. Only InvalidInput is a refusal. */
function reasonOf(check: () => unknown): string | null {
  try {
    check();
    return null;
  } catch (err) {
    if (err instanceof InvalidInput) return err.why;
    throw err;
  }
}

/** A user's SSH public key, as it would go into authorized_keys (drivers/host/public-key.ts). */
export function sshKeyProblem(key: string): string | null {
  const check = checkPublicKey(key);
  return check.ok ? null : check.reason;
}

/** A host name as the host driver sets it: RFC 1123 labels (drivers/host/command-line.ts). */
export function hostnameProblem(hostname: string): string | null {
  return reasonOf(() => checkHostname(hostname));
}

/**
 * A VPN user name as the directory driver takes it (drivers/directory/account-input.ts), in its
 * ASCII form: the VPN group of most directories lists members by memberUid, an ASCII attribute.
 */
export function vpnUserProblem(uid: string): string | null {
  return reasonOf(() => checkUid(uid, true));
}

/** A NIC's name in the installed OS, as the network files name it (drivers/host/network-plan.ts). */
export function nicNameProblem(nic: string): string | null {
  return reasonOf(() => checkNicName(nic));
}

/** A VLAN id as a switch takes it (drivers/switch/vlan.ts). */
export function vlanProblem(vlan: number): string | null {
  return reasonOf(() => checkVlan(vlan));
}
