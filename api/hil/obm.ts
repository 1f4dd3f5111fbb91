import type { Kysely } from 'kysely';
import { getCredential, setCredential } from '../../db/credentials';
import type { Keyring } from '../../db/crypto';
import type { Database } from '../../db/database';
import { BlockedError } from '../../db/errors';
import { ValidationError } from './body';
import type { HostRow } from '../../db/tables/hosts';
import { DeviceError } from '../../drivers/errors';
import { checkObmdUri } from '../../drivers/power/obmd-client';
import type { ObmCall } from '../../workflows/hil-device-calls';
import type { BmcTarget } from '../../drivers/power/power';

export const obmdCredentialName = (node: string) => `obmd/${node}`;

/** Where an obmd URI is reached, as the hosts table keeps a BMC's address and port. */
export function obmdAddress(uri: string): { address: string; port: number } {
  let url: URL;
  try {
    url = checkObmdUri(uri);
  } catch (err) {
    throw new ValidationError(`obmd.uri: ${(err as Error).message}`);
  }
  return { address: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
}

/** Stores an obmd node's URI and admin token, sealed; the node token is added when OBM is enabled. */
export async function sealObmd(db: Kysely<Database>, keyring: Keyring, node: string, uri: string, adminToken: string): Promise<string> {
  const name = obmdCredentialName(node);
  await setCredential(db, keyring, name, { username: 'admin', password: adminToken, uri });
  return name;
}

/** HIL's gate: power, boot device and console are refused while a node's OBM is disabled. */
export function requireObmEnabled(host: HostRow): void {
  if (host.obm_enabled === false) throw new BlockedError('OBM is not enabled', { node: host.name });
}

/** HIL's rule: a node leaves its project only with its OBM disabled. */
export function requireObmDisabled(host: HostRow): void {
  if (host.obm_enabled === true) throw new BlockedError("Node's obm is enabled.", { node: host.name });
}

/** A failure talking to obmd, as HIL reported it. */
export class ObmError extends DeviceError {
  constructor(message: string) {
    super('OBMError', message, false);
  }
}

/**
 * Enables or disables a node's OBM. For an obmd node, the lab's worker gets a node token from
 * obmd (kept sealed with the URI) or invalidates it there, as HIL did (`obmCall`: the API never
 * talks to obmd itself); for other nodes it is the flag alone. Repeating either is a no-op.
 */
export async function setObmEnabled(db: Kysely<Database>, host: HostRow, enabled: boolean, obmCall: ((call: ObmCall) => Promise<void>) | undefined): Promise<void> {
  if (host.obm_enabled === enabled) return;
  if (host.bmc_type === 'obmd' && host.bmc_credential) {
    if (!obmCall) throw new ObmError(`OBM of node ${host.name} cannot change: this API has no connection to the lab's worker`);
    try {
      await obmCall({ node: host.name, enabled });
    } catch (err) {
      if (err instanceof DeviceError) throw new ObmError(enabled ? `Failed to get a token for node ${host.name}: ${err.message}` : `Failed to invalidate the token of node ${host.name}: ${err.message}`);
      throw err;
    }
  }
  await db.updateTable('hosts').set({ obm_enabled: enabled }).where('id', '=', host.id).execute();
}

/** A node's BMC as a power driver or console reader needs it, credentials opened in this process. */
export async function bmcTargetOf(db: Kysely<Database>, keyring: Keyring, host: HostRow): Promise<BmcTarget> {
  const sealed = await getCredential(db, keyring, host.bmc_credential ?? '');
  const obmd = sealed.uri ? { obmd: { uri: sealed.uri, ...(sealed.token ? { token: sealed.token } : {}) } } : {};
  return { host: host.name, address: host.bmc_address ?? '', port: host.bmc_port ?? 623, username: sealed.username, password: sealed.password, ...obmd };
}
