import type { Command } from 'commander';
import { deleteCredential, listCredentials, rotateCredentials, setCredential } from '../../db/credentials';
import { newKeyEntry } from '../../db/crypto';
import { NotFoundError } from '../../db/errors';
import { type CliContext, keyring, print, readSecret, withDb } from './context';
import { done, table } from './output';

type Json = { json?: boolean };

export function register(program: Command, ctx: CliContext): void {
  const credential = program.command('credential').description('device credentials, stored encrypted (never shown)');

  credential
    .command('set')
    .description('store a BMC or switch credential; the password is read from stdin')
    .argument('<name>', 'the name the lab file or host refers to')
    .requiredOption('--username <user>', 'user name on the device')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json & { username: string }) =>
      withDb(ctx, async (db) => {
        await setCredential(db, keyring(ctx), name, { username: opts.username, password: await readSecret(ctx, 'password') });
        done(ctx, opts.json, `credential ${name} stored`);
      }),
    );
  credential
    .command('list')
    .description('names and key ids only')
    .option('--json', 'JSON output')
    .action((opts: Json) =>
      withDb(ctx, async (db) => {
        const rows = await listCredentials(db);
        table(ctx, opts.json, rows.map((c) => ({ name: c.name, key: c.keyId, updated: c.updatedAt.toISOString() })), ['name', 'key', 'updated']);
      }),
    );
  credential
    .command('delete')
    .description('delete a stored credential')
    .argument('<name>')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json) =>
      withDb(ctx, async (db) => {
        if (!(await deleteCredential(db, name))) throw new NotFoundError(`credential ${name} does not exist`);
        done(ctx, opts.json, `credential ${name} deleted`);
      }),
    );
  credential
    .command('rotate')
    .description('re-seal every credential with the first key of LAAS_CREDENTIAL_KEYS')
    .option('--json', 'JSON output')
    .action((opts: Json) =>
      withDb(ctx, async (db) => {
        const count = await rotateCredentials(db, keyring(ctx));
        done(ctx, opts.json, `${count} credential(s) re-sealed with key ${keyring(ctx).current}`, { count });
      }),
    );
  credential
    .command('new-key')
    .description('print a fresh key entry to put first in LAAS_CREDENTIAL_KEYS')
    .argument('<id>', 'key id, e.g. 2027-01')
    .action((id: string) => print(ctx, newKeyEntry(id)));
}
