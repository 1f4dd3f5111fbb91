import type { Command } from 'commander';
import { BadArgumentError } from '../../db/errors';
import { createNetwork, deleteNetwork, grantNetworkAccess, listNetworks, revokeNetworkAccess, showNetwork } from '../../db/networks';
import { type CliContext, labFor, withDb } from './context';
import { details, done, table } from './output';

type Json = { json?: boolean };

export function register(program: Command, ctx: CliContext): void {
  const network = program.command('network').description('networks (a VLAN each) and who may use them');

  network
    .command('list')
    .description('list networks, their VLAN and owner')
    .option('--json', 'JSON output')
    .action((opts: Json) =>
      withDb(ctx, async (db) => {
        const rows = await listNetworks(db);
        table(ctx, opts.json, rows.map((n) => ({ name: n.name, vlan: n.vlan, owner: n.owner ?? 'admin', access: n.public ? 'public' : n.access.join(' ') })), ['name', 'vlan', 'owner', 'access']);
      }),
    );
  network
    .command('show')
    .description('a network: VLAN, owner, projects with access, attached NICs')
    .argument('<name>')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json) =>
      withDb(ctx, async (db) => {
        const n = await showNetwork(db, name);
        details(ctx, opts.json, { ...n, owner: n.owner ?? 'admin' });
      }),
    );
  network
    .command('create')
    .description('create a network on a VLAN of the pool (or a given one)')
    .argument('<name>')
    .option('--owner <project>', 'owning project, or "admin"', 'admin')
    .option('--access <project...>', 'projects that may use it (none: public)')
    .option('--vlan <id>', 'a given VLAN id instead of one from the pool')
    .option('--lab <name>', 'lab whose pool to use')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json & { owner: string; access?: string[]; vlan?: string; lab?: string }) =>
      withDb(ctx, async (db) => {
        const vlan = opts.vlan === undefined ? null : Number(opts.vlan);
        if (vlan !== null && !Number.isInteger(vlan)) throw new BadArgumentError('--vlan must be a VLAN id from 1 to 4094');
        const owner = opts.owner === 'admin' ? null : opts.owner;
        const access = opts.access ?? (owner ? [owner] : []);
        const created = await createNetwork(db, { lab: await labFor(ctx, db, opts.lab), name, owner, access, vlan });
        done(ctx, opts.json, `network ${name} created on VLAN ${created.vlan}`, { vlan: created.vlan });
      }),
    );
  network
    .command('delete')
    .description('delete a network nothing is attached to')
    .argument('<name>')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await deleteNetwork(db, name);
        done(ctx, opts.json, `network ${name} deleted`);
      }),
    );
  network
    .command('grant')
    .description('let a project attach its hosts to the network')
    .argument('<network>')
    .argument('<project>')
    .option('--json', 'JSON output')
    .action((name: string, project: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await grantNetworkAccess(db, name, project);
        done(ctx, opts.json, `project ${project} may use network ${name}`);
      }),
    );
  network
    .command('revoke')
    .description("take back a project's access to the network")
    .argument('<network>')
    .argument('<project>')
    .option('--json', 'JSON output')
    .action((name: string, project: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await revokeNetworkAccess(db, name, project);
        done(ctx, opts.json, `project ${project} may no longer use network ${name}`);
      }),
    );
}
