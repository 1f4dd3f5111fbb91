import type { Command } from 'commander';
import { CliError, EXIT, type CliContext } from '../context';
import { runDoctor } from '../doctor/doctor';
import { renderReport } from '../doctor/report';

interface DoctorFlags {
  probe?: boolean;
  timeout: string;
  concurrency: string;
  services: boolean;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${flag} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`, EXIT.usage);
  return n;
}

/**
 * `laas doctor`: is this installation able to run bookings? Checks the settings,
 * the lab description, the inventory and the credentials without touching a
 * device; with --probe also asks every BMC, the FOG server, every switch (and
 * LDAP and libvirt) one read-only question. Exit status 1 when anything failed.
 */
export function register(program: Command, ctx: CliContext, env: NodeJS.ProcessEnv = process.env): void {
  program
    .command('doctor')
    .description('check Temporal, the worker, the API, the database, the lab description and credentials; --probe also asks every device (read-only)')
    .option('--probe', 'make one read-only call to every BMC, the FOG server, every switch, LDAP and libvirt')
    .option('--timeout <ms>', 'how long each device may take to answer', '10000')
    .option('--concurrency <n>', 'how many devices are asked at the same time', '8')
    .option('--no-services', 'leave out Temporal (namespace, search attributes, a worker polling) and the API')
    .action(async (flags: DoctorFlags, command: Command) => {
      const timeoutMs = wholeNumber('--timeout', flags.timeout, 1_000, 120_000);
      const concurrency = wholeNumber('--concurrency', flags.concurrency, 1, 64);
      const report = await runDoctor({ env, probe: Boolean(flags.probe), timeoutMs, concurrency, services: flags.services });
      if (ctx.json(command)) ctx.out(JSON.stringify(report, null, 2));
      else for (const line of renderReport(report)) ctx.out(line);
      if (!report.ok) throw new CliError('doctor found problems (see above)', EXIT.failed);
    });
}
