import type { Kysely } from 'kysely';
import ssh2 from 'ssh2';
import type { Lab } from '../../config/lab';
import { getCredential, type DeviceCredential } from '../../db/credentials';
import { keyringFromEnv, type Keyring } from '../../db/crypto';
import type { Database } from '../../db/database';
import { isInventoryError } from '../../db/errors';
import { FogClient } from '../../drivers/imaging/fog-client';
import { checkBmcTarget } from '../../drivers/power/bmc-target';
import type { LabDevices } from './devices';
import { type Findings, messageOf } from './findings';

/** Credentials by name, opened with the workers' keyring; only what opened is here. */
export type OpenedCredentials = Map<string, DeviceCredential>;

/** Every credential the workers of this lab will look up, and who uses it. */
export function wantedCredentials(lab: Lab, devices: LabDevices): Map<string, string[]> {
  const wanted = new Map<string, string[]>();
  const want = (name: string, user: string) => {
    if (name) wanted.set(name, [...(wanted.get(name) ?? []), user]);
  };
  for (const b of devices.bmcs) want(b.credential, `BMC of host ${b.host}`);
  for (const s of devices.switches) want(s.credential, `switch ${s.name}`);
  if (lab.imaging.type === 'fog') want(lab.imaging.credential, 'FOG server');
  if (lab.directory.type === 'ldap') want(lab.directory.credential, 'LDAP bind');
  if (lab.hosts.some((h) => !h.ssh.address.startsWith('sim://'))) want(lab.hostLogin.credential, 'SSH login on provisioned hosts');
  return wanted;
}

/** The keyring the workers use; null (and an error named after the variable) when it cannot be built. */
export function workersKeyring(env: NodeJS.ProcessEnv, findings: Findings): Keyring | null {
  try {
    const { keyring, defaulted } = keyringFromEnv(env);
    if (defaulted) findings.warning('environment LAAS_CREDENTIAL_KEYS', 'not set: credentials are sealed with the development key, which is not a secret');
    return keyring;
  } catch (err) {
    findings.error('environment LAAS_CREDENTIAL_KEYS', messageOf(err));
    return null;
  }
}

/**
 * Opens each credential the lab needs, as a worker would, and checks what it holds
 * against what the driver will accept. Values are never shown, only their names.
 */
export async function openCredentials(db: Kysely<Database>, keyring: Keyring, lab: Lab, devices: LabDevices, findings: Findings): Promise<OpenedCredentials> {
  const opened: OpenedCredentials = new Map();
  for (const [name, users] of wantedCredentials(lab, devices)) {
    const usedBy = users.length > 3 ? `${users.slice(0, 3).join(', ')} and ${users.length - 3} more` : users.join(', ');
    try {
      opened.set(name, await getCredential(db, keyring, name));
    } catch (err) {
      if (!isInventoryError(err)) throw err;
      const message =
        err.type === 'NotFoundError'
          ? `credential ${name} (${usedBy}) is not in the database: laas credential set ${name} --username USER < password-file`
          : `credential ${name} (${usedBy}): ${err.message}`;
      findings.error('database credentials', message);
    }
  }
  for (const b of devices.bmcs) {
    const c = opened.get(b.credential);
    if (!c || b.type !== 'ipmi') continue;
    try {
      checkBmcTarget({ host: b.host, address: b.address, port: b.port, username: c.username, password: c.password });
    } catch (err) {
      findings.error(`credential ${b.credential}`, messageOf(err));
    }
  }
  const fog = lab.imaging.type === 'fog' ? opened.get(lab.imaging.credential) : undefined;
  if (lab.imaging.type === 'fog' && fog) {
    try {
      new FogClient({ baseUrl: lab.imaging.url, apiToken: fog.username, userToken: fog.password });
    } catch (err) {
      findings.error(`credential ${lab.imaging.credential}`, `${messageOf(err)} (the user name holds FOG's API token, the password the user token)`);
    }
  }
  const login = opened.get(lab.hostLogin.credential);
  if (login && ssh2.utils.parseKey(login.password) instanceof Error) {
    findings.error(`credential ${lab.hostLogin.credential}`, 'its password should be the private key workers log in to provisioned hosts with, and it does not read as one');
  }
  return opened;
}
