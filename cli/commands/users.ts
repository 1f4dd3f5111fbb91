import type { Command } from 'commander';
import { BadArgumentError } from '../../db/errors';
import { addUserToProject, createApiToken, createUser, deleteUser, listUsers, removeUserFromProject, revokeApiTokens, setUserAdmin, setUserPassword } from '../../db/users';
import { type CliContext, print, readSecret, withDb } from './context';
import { done, table } from './output';

type Json = { json?: boolean };

export function register(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('API users (HIL Basic auth and bearer tokens)');

  user
    .command('list')
    .description('list users and their projects')
    .option('--json', 'JSON output')
    .action((opts: Json) =>
      withDb(ctx, async (db) => {
        const rows = await listUsers(db);
        table(ctx, opts.json, rows.map((u) => ({ name: u.name, admin: u.isAdmin, projects: u.projects.join(' ') })), ['name', 'admin', 'projects']);
      }),
    );
  user
    .command('create')
    .description('create a user; the password is read from stdin (none with --no-password: token only)')
    .argument('<name>')
    .option('--admin', 'an administrator')
    .option('--no-password', 'no password: the user authenticates with tokens only')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json & { admin?: boolean; password: boolean }) =>
      withDb(ctx, async (db) => {
        await createUser(db, name, opts.password ? await readSecret(ctx, 'password') : null, !!opts.admin);
        done(ctx, opts.json, `user ${name} created`);
      }),
    );
  user
    .command('password')
    .description("set a user's password, read from stdin")
    .argument('<name>')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await setUserPassword(db, name, await readSecret(ctx, 'password'));
        done(ctx, opts.json, `password of ${name} changed`);
      }),
    );
  user
    .command('delete')
    .description('delete a user (their tokens stop working)')
    .argument('<name>')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await deleteUser(db, name);
        done(ctx, opts.json, `user ${name} deleted`);
      }),
    );
  user
    .command('admin')
    .description('make a user an administrator (yes) or not (no)')
    .argument('<name>')
    .argument('<yes|no>')
    .option('--json', 'JSON output')
    .action((name: string, flag: string, opts: Json) =>
      withDb(ctx, async (db) => {
        if (flag !== 'yes' && flag !== 'no') throw new BadArgumentError('say yes or no');
        await setUserAdmin(db, name, flag === 'yes');
        done(ctx, opts.json, `${name} is ${flag === 'yes' ? 'an administrator' : 'not an administrator'}`);
      }),
    );
  user
    .command('join')
    .description('add a user to a project')
    .argument('<name>')
    .argument('<project>')
    .option('--json', 'JSON output')
    .action((name: string, project: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await addUserToProject(db, name, project);
        done(ctx, opts.json, `${name} is a member of ${project}`);
      }),
    );
  user
    .command('leave')
    .description('remove a user from a project')
    .argument('<name>')
    .argument('<project>')
    .option('--json', 'JSON output')
    .action((name: string, project: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await removeUserFromProject(db, name, project);
        done(ctx, opts.json, `${name} left ${project}`);
      }),
    );
  user
    .command('token')
    .description('issue a bearer token (printed once; only its hash is kept)')
    .argument('<name>')
    .option('--label <label>', 'what the token is for', '')
    .option('--revoke', "revoke all the user's tokens instead")
    .option('--json', 'JSON output')
    .action((name: string, opts: Json & { label: string; revoke?: boolean }) =>
      withDb(ctx, async (db) => {
        if (opts.revoke) return done(ctx, opts.json, `${await revokeApiTokens(db, name)} token(s) of ${name} revoked`);
        const token = await createApiToken(db, name, opts.label);
        print(ctx, opts.json ? JSON.stringify({ user: name, token }) : token);
      }),
    );
}
