import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { BadArgumentError } from '../../db/errors';
import { importLab } from '../../db/lab-import';
import { portRefusal } from '../../drivers/switch/port-rules';
import { readLabFile } from '../../db/lab-plan';
import { SWITCH_TYPES } from '../../db/switches';
import type { SwitchType } from '../../db/tables/switches';
import { type CliContext, print, withDb } from './context';

interface ImportOptions {
  lab?: string;
  switchType?: string;
  flavor?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const lab = program.commands.find((c) => c.name() === 'lab') ?? program.command('lab').description('the lab description');
  lab
    .command('import')
    .description('apply a lab description (YAML/JSON) or an old LaaS hosts.json to the inventory; all or nothing')
    .argument('<file>', 'lab.yaml, lab.json or hosts.json')
    .option('--lab <name>', 'lab of the hosts of a hosts.json (it does not say)')
    .option('--switch-type <type>', `driver of the switches a hosts.json names (${SWITCH_TYPES.join(', ')})`, 'nxapi')
    .option('--flavor <flavor>', 'flavor for the hosts of a hosts.json')
    .option('--dry-run', 'show what would change, change nothing')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, opts: ImportOptions) => {
      if (opts.switchType && !(SWITCH_TYPES as readonly string[]).includes(opts.switchType)) {
        throw new BadArgumentError(`--switch-type must be one of ${SWITCH_TYPES.join(', ')}`);
      }
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new BadArgumentError(`cannot read ${file}: ${(err as Error).message}`);
      }
      const plan = readLabFile(text, file, { lab: opts.lab, switchType: opts.switchType as SwitchType | undefined, flavor: opts.flavor });
      const report = await withDb(ctx, (db) => importLab(db, plan, { dryRun: opts.dryRun, portRefusal }));
      if (opts.json) return print(ctx, JSON.stringify({ ...report, dryRun: !!opts.dryRun }, null, 2));
      const heading = report.changes.length ? `${opts.dryRun ? 'would change' : 'changed'} lab ${report.lab}:` : `lab ${report.lab}: nothing to change`;
      print(ctx, [heading, ...report.changes.map((c) => `  ${c}`), ...report.warnings.map((w) => `warning: ${w}`)].join('\n'));
    });
}
