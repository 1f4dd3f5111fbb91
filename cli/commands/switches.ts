import type { Command } from 'commander';
import { BadArgumentError } from '../../db/errors';
import { connectNic, deletePort, deleteSwitch, detachNic, getSwitch, listPorts, listSwitches, registerPort, registerSwitch, showPort, SWITCH_TYPES, switchType } from '../../db/switches';
import { type CliContext, labFor, withDb } from './context';
import { details, done, table } from './output';

type Json = { json?: boolean };

export function register(program: Command, ctx: CliContext): void {
  const sw = program.command('switch').description('switches');

  sw.command('list')
    .description('list switches')
    .option('--json', 'JSON output')
    .action((opts: Json) =>
      withDb(ctx, async (db) => {
        const rows = await listSwitches(db);
        table(ctx, opts.json, rows.map((s) => ({ name: s.name, lab: s.lab, type: s.type, address: s.port ? `${s.address}:${s.port}` : s.address, credential: s.credential })), [
          'name', 'lab', 'type', 'address', 'credential',
        ]);
      }),
    );

  sw.command('show')
    .description("a switch's driver, address and ports")
    .argument('<name>')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json) =>
      withDb(ctx, async (db) => {
        const s = await getSwitch(db, name);
        details(ctx, opts.json, { name: s.name, type: s.type, address: s.address, port: s.port, credential: s.credential, options: s.options, ports: await listPorts(db, name) });
      }),
    );

  sw.command('register')
    .description('add a switch with its driver and credential name')
    .argument('<name>')
    .requiredOption('--type <type>', `driver: ${SWITCH_TYPES.join(', ')}`)
    .requiredOption('--address <address>', 'management address')
    .option('--port <port>', 'management port, if not the protocol default')
    .option('--credential <name>', 'credential holding the switch user and password (laas credential set)')
    .option('--option <key=value...>', 'driver option (not secret), repeatable')
    .option('--lab <name>', 'lab of the switch')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json & { type: string; address: string; port?: string; credential?: string; option?: string[]; lab?: string }) =>
      withDb(ctx, async (db) => {
        const options: Record<string, string> = {};
        for (const kv of opts.option ?? []) {
          const eq = kv.indexOf('=');
          if (eq < 1) throw new BadArgumentError(`--option ${JSON.stringify(kv)} must be key=value`);
          options[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
        const port = opts.port === undefined ? null : Number(opts.port);
        await registerSwitch(db, { lab: await labFor(ctx, db, opts.lab), name, type: switchType(opts.type), address: opts.address, port, options, credential: opts.credential ?? null });
        done(ctx, opts.json, `switch ${name} registered`);
      }),
    );

  sw.command('delete')
    .description('remove a switch with no cabled port')
    .argument('<name>')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await deleteSwitch(db, name);
        done(ctx, opts.json, `switch ${name} deleted`);
      }),
    );

  const port = program.command('port').description('switch ports and which NIC is cabled to each');
  port
    .command('list')
    .description("list a switch's ports and the NIC cabled to each")
    .argument('<switch>')
    .option('--json', 'JSON output')
    .action((switchName: string, opts: Json) =>
      withDb(ctx, async (db) => {
        const rows = [];
        for (const label of await listPorts(db, switchName)) {
          const p = await showPort(db, switchName, label);
          rows.push({ port: label, node: p.node ?? null, nic: p.nic ?? null, networks: p.networks ? Object.entries(p.networks).map(([c, n]) => `${n} (${c})`).join(', ') : null });
        }
        table(ctx, opts.json, rows, ['port', 'node', 'nic', 'networks']);
      }),
    );
  port
    .command('add')
    .description('record a port of the switch')
    .argument('<switch>')
    .argument('<port>', 'e.g. Ethernet1/34')
    .option('--json', 'JSON output')
    .action((switchName: string, label: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await registerPort(db, switchName, label);
        done(ctx, opts.json, `port ${label} added to switch ${switchName}`);
      }),
    );
  port
    .command('delete')
    .description('remove a port from the switch')
    .argument('<switch>')
    .argument('<port>')
    .option('--json', 'JSON output')
    .action((switchName: string, label: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await deletePort(db, switchName, label);
        done(ctx, opts.json, `port ${label} removed from switch ${switchName}`);
      }),
    );
  port
    .command('connect')
    .description('record that a NIC is cabled to the port')
    .argument('<switch>')
    .argument('<port>')
    .argument('<host>')
    .argument('<nic>')
    .option('--json', 'JSON output')
    .action((switchName: string, label: string, hostName: string, nic: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await connectNic(db, switchName, label, hostName, nic);
        done(ctx, opts.json, `${hostName} ${nic} is cabled to ${switchName} ${label}`);
      }),
    );
  port
    .command('detach')
    .description('record that nothing is cabled to the port')
    .argument('<switch>')
    .argument('<port>')
    .option('--json', 'JSON output')
    .action((switchName: string, label: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await detachNic(db, switchName, label);
        done(ctx, opts.json, `nothing is cabled to ${switchName} ${label}`);
      }),
    );
}
