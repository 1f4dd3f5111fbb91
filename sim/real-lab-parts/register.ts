/**
 * Makes a real lab known to a laas database, as an operator would: device secrets
 * sealed with the credential keyring, the lab description imported into the inventory.
 */
import type { Kysely } from 'kysely';
import { readFile } from 'node:fs/promises';
import { setCredential } from '../../db/credentials';
import type { Keyring } from '../../db/crypto';
import type { Database } from '../../db/database';
import { importLab, type ImportReport } from '../../db/lab-import';
import { readLabFile } from '../../db/lab-plan';
import { portRefusal } from '../../drivers/switch/port-rules';

export interface Secret {
  username: string;
  password: string;
}

export async function registerLab(db: Kysely<Database>, keyring: Keyring, labFile: string, secrets: Record<string, Secret>): Promise<ImportReport> {
  for (const [name, { username, password }] of Object.entries(secrets)) await setCredential(db, keyring, name, { username, password });
  // Each start of a real lab has a new OVS database, key file and host key: the re-import updates the switch's options.
  return importLab(db, readLabFile(await readFile(labFile, 'utf8'), labFile), { portRefusal });
}
