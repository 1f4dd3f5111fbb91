import type { Command } from 'commander';
import { connectNode, createProject, deleteProject, detachNode, listProjects, projectNetworks, projectNodes } from '../../db/projects';
import { type CliContext, withDb } from './context';
import { done, table } from './output';

type Json = { json?: boolean };

export function register(program: Command, ctx: CliContext): void {
  const project = program.command('project').description('projects and the hosts they hold');

  project
    .command('list')
    .description('list projects and the hosts each holds')
    .option('--json', 'JSON output')
    .action((opts: Json) =>
      withDb(ctx, async (db) => {
        const rows = [];
        for (const name of await listProjects(db)) rows.push({ name, hosts: (await projectNodes(db, name)).join(' '), networks: (await projectNetworks(db, name)).join(' ') });
        table(ctx, opts.json, rows, ['name', 'hosts', 'networks']);
      }),
    );
  project
    .command('create')
    .description('create a project')
    .argument('<name>')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await createProject(db, name);
        done(ctx, opts.json, `project ${name} created`);
      }),
    );
  project
    .command('delete')
    .description('delete a project that holds nothing')
    .argument('<name>')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await deleteProject(db, name);
        done(ctx, opts.json, `project ${name} deleted`);
      }),
    );
  project
    .command('connect')
    .description('the project holds the host from now on (HIL connect_node)')
    .argument('<project>')
    .argument('<host>')
    .option('--json', 'JSON output')
    .action((name: string, host: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await connectNode(db, name, host);
        done(ctx, opts.json, `host ${host} is in project ${name}`);
      }),
    );
  project
    .command('detach')
    .description('the project gives the host back (HIL detach_node)')
    .argument('<project>')
    .argument('<host>')
    .option('--json', 'JSON output')
    .action((name: string, host: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await detachNode(db, name, host);
        done(ctx, opts.json, `host ${host} left project ${name}`);
      }),
    );
}
