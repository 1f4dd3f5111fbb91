import type { Command } from 'commander';
import { BadArgumentError } from '../../db/errors';
import { hostHoldings } from '../../db/holdings';
import { BMC_TYPES, type BmcType, deleteHost, getHost, listHostNames, listHosts, registerHost, setHostState, showHost } from '../../db/hosts';
import { deleteNic, registerNic } from '../../db/nics';
import type { HostState } from '../../db/tables/hosts';
import { type CliContext, labFor, withDb } from './context';
import { details, done, table } from './output';

type Json = { json?: boolean };
const STATES: HostState[] = ['available', 'maintenance', 'retired'];

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new BadArgumentError(`port ${JSON.stringify(value)} must be an integer from 1 to 65535`);
  return n;
}

export function register(program: Command, ctx: CliContext): void {
  const host = program.command('host').description('hosts (HIL nodes) and their NICs');

  host
    .command('list')
    .description('list hosts')
    .option('--free', 'only hosts nobody holds now or later')
    .option('--lab <name>', 'only this lab')
    .option('--json', 'JSON output')
    .action((opts: Json & { free?: boolean; lab?: string }) =>
      withDb(ctx, async (db) => {
        const free = opts.free ? new Set(await listHostNames(db, 'free')) : null;
        const rows = (await listHosts(db, opts.lab)).filter((h) => !free || free.has(h.name));
        table(
          ctx,
          opts.json,
          rows.map((h) => ({ name: h.name, lab: h.lab, flavor: h.flavor, state: h.state, bmc: h.bmc_address ? `${h.bmc_type} ${h.bmc_address}:${h.bmc_port ?? 623}` : null })),
          ['name', 'lab', 'flavor', 'state', 'bmc'],
        );
      }),
    );

  host
    .command('show')
    .description("a host's BMC, SSH address, NICs, state and who holds it")
    .argument('<name>')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json) =>
      withDb(ctx, async (db) => {
        const row = await getHost(db, name);
        const view = await showHost(db, name);
        const held = await hostHoldings(db, row.id);
        details(ctx, opts.json, {
          name: row.name,
          flavor: row.flavor,
          state: row.state,
          bmc: row.bmc_address ? { type: row.bmc_type, address: row.bmc_address, port: row.bmc_port, credential: row.bmc_credential } : null,
          ssh: row.ssh_address ? `${row.ssh_address}:${row.ssh_port ?? 22}` : null,
          project: view.project,
          held: held.map((h) => ({ by: h.project ? `project ${h.project}` : `booking ${h.bookingId}`, from: h.start.toISOString(), until: h.end?.toISOString() ?? null })),
          nics: view.nics,
          metadata: view.metadata,
        });
      }),
    );

  host
    .command('register')
    .description('add a host to the inventory with its BMC and SSH address')
    .argument('<name>')
    .requiredOption('--bmc-address <address>', 'BMC address')
    .option('--bmc-type <type>', `BMC type (${BMC_TYPES.join(', ')})`, 'ipmi')
    .option('--bmc-port <port>', 'BMC UDP port', port, 623)
    .option('--bmc-credential <name>', 'credential holding the BMC user and password (laas credential set)')
    .option('--flavor <flavor>', 'hardware flavor')
    .option('--ssh-address <address>', 'management address of the installed OS')
    .option('--lab <name>', 'lab of the host')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json & { bmcAddress: string; bmcType: string; bmcPort: number; bmcCredential?: string; flavor?: string; sshAddress?: string; lab?: string }) =>
      withDb(ctx, async (db) => {
        if (!(BMC_TYPES as readonly string[]).includes(opts.bmcType)) throw new BadArgumentError(`--bmc-type must be one of ${BMC_TYPES.join(', ')}`);
        await registerHost(db, {
          lab: await labFor(ctx, db, opts.lab),
          name,
          flavor: opts.flavor ?? null,
          bmc: { type: opts.bmcType as BmcType, address: opts.bmcAddress, port: opts.bmcPort, credential: opts.bmcCredential ?? null },
          ssh: opts.sshAddress ? { address: opts.sshAddress, port: 22 } : null,
        });
        done(ctx, opts.json, `host ${name} registered`);
      }),
    );

  host
    .command('delete')
    .description('remove a host nobody holds from the inventory')
    .argument('<name>')
    .option('--json', 'JSON output')
    .action((name: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await deleteHost(db, name);
        done(ctx, opts.json, `host ${name} deleted`);
      }),
    );

  host
    .command('state')
    .description(`set a host's state (${STATES.join(', ')}); only available hosts are booked`)
    .argument('<name>')
    .argument('<state>')
    .option('--json', 'JSON output')
    .action((name: string, state: string, opts: Json) =>
      withDb(ctx, async (db) => {
        if (!(STATES as string[]).includes(state)) throw new BadArgumentError(`state must be one of ${STATES.join(', ')}`);
        await setHostState(db, name, state as HostState);
        done(ctx, opts.json, `host ${name} is ${state}`);
      }),
    );

  const nic = host.command('nic').description("a host's NICs");
  nic
    .command('add')
    .description('record a NIC of the host (its label and MAC)')
    .argument('<host>')
    .argument('<nic>', 'NIC label, usually its OS name (eno1)')
    .requiredOption('--mac <mac>', 'MAC address')
    .option('--os-name <name>', 'interface name in the OS, if not the label')
    .option('--bus <address>', 'PCI bus address')
    .option('--json', 'JSON output')
    .action((hostName: string, label: string, opts: Json & { mac: string; osName?: string; bus?: string }) =>
      withDb(ctx, async (db) => {
        await registerNic(db, hostName, label, { mac: opts.mac, osName: opts.osName ?? label, busAddress: opts.bus ?? null });
        done(ctx, opts.json, `NIC ${label} added to host ${hostName}`);
      }),
    );
  nic
    .command('delete')
    .description("remove a NIC from the host's record")
    .argument('<host>')
    .argument('<nic>')
    .option('--json', 'JSON output')
    .action((hostName: string, label: string, opts: Json) =>
      withDb(ctx, async (db) => {
        await deleteNic(db, hostName, label);
        done(ctx, opts.json, `NIC ${label} removed from host ${hostName}`);
      }),
    );
}
