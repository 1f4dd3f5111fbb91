import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { freePort, startDevServer, temporalCli, type DevServer } from '../../scripts/lib/dev-server';
import { bundleWorkflows } from '../../workers/worker';

export const root = join(import.meta.dirname, '..', '..');

/**
 * A fresh in-memory Temporal dev server on a free port: nothing left from an earlier run.
 * The server dispatches activities eagerly, as every dev server of laas does (LAAS_DYNAMIC_CONFIG):
 * an activity scheduled by a workflow task goes back with that task's answer, to the same worker,
 * without a poll; `--no-eager-activities` turns that off (what a server with the default settings does);
 * `--no-sa-refresh` lets it cache the search attributes as a production server does (the CLI's dev
 * server re-reads them at every use).
 */
export async function benchServer(): Promise<DevServer> {
  const eager = !process.argv.includes('--no-eager-activities');
  const noRefresh = process.argv.includes('--no-sa-refresh');
  return startDevServer({
    cli: temporalCli(root),
    port: await freePort(),
    dynamicConfig: {
      'system.enableActivityEagerExecution': eager,
      ...(noRefresh ? { 'system.forceSearchAttributesCacheRefreshOnRead': false } : {}),
    },
  });
}

/** The workflows bundled once to a temp file, so each worker starts without bundling. */
export async function bundleToFile(): Promise<{ path: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'laas-bench-'));
  const path = join(dir, 'workflows.js');
  writeFileSync(path, (await bundleWorkflows()).code);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const version = (pkg: string) => (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

/** What RESULTS.md records about the machine of a run. */
export function machine(): string {
  const cli = execFileSync(temporalCli(root), ['--version'], { encoding: 'utf8' }).trim();
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  return [
    `date ${new Date().toISOString()}`,
    `cpus ${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    `memory ${gib(totalmem())} (${gib(freemem())} free)`,
    `node ${process.version}, @temporalio/worker ${version('@temporalio/worker')}, ${cli}`,
    `load average ${load()}`,
  ].join('\n');
}

export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `--name value` from the command line, else the default. */
export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * CPU seconds a process has used so far (user + system, from /proc). On a shared machine this
 * is steadier than wall time: it does not grow when other work takes the cores.
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}
