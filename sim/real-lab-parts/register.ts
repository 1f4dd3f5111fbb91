/**
 * Makes a real lab known to a laas database, as an operator would: device secrets
 * sealed with the credential keyring, the lab description imported into the inventory.
 */
import type { Kysely } from 'kysely';
import { readFile } from 'node:fs/promises';
import type { Lab } from '../../config/lab';
import { setCredential } from '../../db/credentials';
import type { Keyring } from '../../db/crypto';
import type { Database } from '../../db/database';
import { importLab, type ImportReport } from '../../db/lab-import';
import { readLabFile } from '../../db/lab-plan';

export interface Secret {
  username: string;
  password: string;
}

export async function registerLab(db: Kysely<Database>, keyring: Keyring, labFile: string, lab: Lab, secrets: Record<string, Secret>): Promise<ImportReport> {
  for (const [name, { username, password }] of Object.entries(secrets)) await setCredential(db, keyring, name, { username, password });
  const report = await importLab(db, readLabFile(await readFile(labFile, 'utf8'), labFile));
  // The import writes a switch's driver options only when it adds the switch (db/lab-import.ts leaves them
  // out of its update), and each start of a real lab has a new OVS database, key file and host key:
  // npm start imports over the switch of its earlier run, so the options are set as the file says.
  for (const sw of lab.switches) {
    await db
      .updateTable('switches')
      .set({ options: JSON.stringify(sw.options ?? {}) })
      .where('name', '=', sw.name)
      .execute();
  }
  return report;
}
