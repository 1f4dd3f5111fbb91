import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { loadSettings } from '../config/settings';
import { loadLab } from '../config/load-lab';
import { freePort, startDevServer, temporalCli, type DevServer } from './lib/dev-server';
import { Supervised } from './lib/supervise';
import { portInUse, refuseBusyPorts } from './lib/ports';
import { prepareDatabase } from './db-migrate';
import { chooseDatabase, type DatabaseChoice } from './lib/database-choice';
import { connect } from '../db/connection';
import { importLabFile } from '../workers/inventory-deps';
import { CODEC_PREFIX } from '../api/routes/codec';
import { codecEnvForDevUi } from './lib/codec-env';
// LAAS_REAL_PEERS=1 (issue 5): the same lab on real peers (sim/real-lab.ts).
import { startDemoRealLab } from '../sim/real-lab-parts/demo-lab';
import type { RealLab } from '../sim/real-lab';

/**
 * `npm start`: the whole product on one machine. Temporal dev server (state in .data/, UI on
 * :8233), the database and its schema, the worker driving the simulated lab, and the API.
 * Ctrl-C stops everything it started. A worker, API or dev server that dies is restarted with
 * back-off and the operator is told (scripts/lib/supervise.ts).
 */
const root = join(import.meta.dirname, '..');
const settings = loadSettings();
const lab = loadLab(join(root, settings.LAAS_LAB_FILE));
const supervised: Supervised[] = [];
let devServer: DevServer | undefined;
let realPeers: RealLab | undefined;
let database: DatabaseChoice | undefined;
let stopping = false;

function say(line: string): void {
  console.log(`laas: ${line}`);
}

async function stopAll(code: number): Promise<never> {
  // Already stopping: the stop under way ends the process.
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  say('stopping...');
  for (const s of supervised) s.cancel();
  const children = supervised.map((s) => s.current).filter((c): c is ChildProcess => c !== undefined);
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  // LAAS_REAL_PEERS: the real lab goes after the worker that drives it (every peer stopped by pid, namespaces removed).
  await realPeers?.stop().catch((err: unknown) => say(err instanceof Error ? err.message : String(err)));
  await devServer?.stop();
  // The database goes last: everything above may still write to it while it stops.
  await database?.stop();
  process.exit(code);
}

/**
 * A copy of a signal already handled arrives within milliseconds: npm and tsx pass a terminal's
 * Ctrl-C on to npm start, which the terminal has already sent it. Pressed again takes longer.
 */
const SAME_SIGNAL_MS = 200;
let firstSignal: { name: NodeJS.Signals; at: number } | undefined;

/**
 * The first SIGINT or SIGTERM stops everything in order. A second one (Ctrl-C pressed again, or a
 * supervisor's second `kill`) stops at once, but takes the product's processes along: left running,
 * a Temporal dev server would keep its port and the next `npm start` would refuse to start.
 */
function onSignal(name: NodeJS.Signals): void {
  if (!firstSignal) {
    firstSignal = { name, at: Date.now() };
    void stopAll(0);
    return;
  }
  if (name === firstSignal.name && Date.now() - firstSignal.at < SAME_SIGNAL_MS) return;
  say('stopping at once');
  for (const s of supervised) s.current?.kill('SIGKILL');
  // The dev server and an embedded database are told to stop (their own quick shutdowns keep their
  // files whole), without waiting for them.
  void devServer?.stop();
  void database?.stop();
  process.exit(130);
}

/** A process of the product, restarted with back-off when it dies (scripts/lib/supervise.ts). */
async function run(name: string, script: string): Promise<Supervised> {
  const s = new Supervised({
    name,
    start: () => spawn(process.execPath, ['--import', 'tsx', join(root, script)], { stdio: ['ignore', 'inherit', 'inherit'], env: process.env }),
    say,
    stopping: () => stopping,
    giveUp: (reason) => {
      say(`${reason}; stopping everything`);
      void stopAll(1);
    },
  });
  supervised.push(s);
  return s.start();
}

/** The lab description into the inventory (idempotent), so the worker and the HIL API see its hosts. */
async function importLabDescription(databaseUrl: string, file: string): Promise<void> {
  const db = connect(databaseUrl, { max: 1 });
  try {
    const report = await importLabFile(db, file);
    say(report.changes.length ? `inventory: ${report.changes.length} changes from ${settings.LAAS_LAB_FILE}` : `inventory: lab ${report.lab} up to date`);
  } finally {
    await db.destroy();
  }
}

/** The banner means "ready": wait until the API answers its health check. */
async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!stopping) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the API did not answer ${url} within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const dataDir = isAbsolute(settings.LAAS_DATA_DIR) ? settings.LAAS_DATA_DIR : join(root, settings.LAAS_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  database = await chooseDatabase({ explicitUrl: process.env.DATABASE_URL, defaultUrl: settings.LAAS_DEFAULT_DATABASE_URL, dataDir, say });
  // The worker, the API and the real peers' set-up read it from the environment.
  process.env.DATABASE_URL = database.url;
  const [host, port] = settings.TEMPORAL_ADDRESS.split(':');
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`npm start runs its own Temporal dev server; TEMPORAL_ADDRESS must be local, not ${settings.TEMPORAL_ADDRESS}`);
  // Before anything starts (and long before the banner): another stack on these ports is refused.
  await refuseBusyPorts([
    { what: 'Temporal', host: '127.0.0.1', port: Number(port) },
    { what: 'Temporal UI', host: '127.0.0.1', port: Number(port) + 1000 },
    { what: 'API', host: settings.LAAS_API_HOST, port: settings.LAAS_API_PORT },
  ]);
  say('starting the Temporal dev server...');
  const api = `http://${settings.LAAS_API_HOST}:${settings.LAAS_API_PORT}`;
  const codecNote = codecEnvForDevUi(process.env, settings.LAAS_API_HOST, Number(port) + 1000);
  process.env.LAAS_LOG_PRETTY ??= '1'; // one readable line per event from the worker; JSON in production
  // The worker's /metrics (laas's step metrics and the SDK's) is on under npm start: next to the API when that port is free.
  process.env.LAAS_WORKER_METRICS ??= await workerMetricsAddress(settings.LAAS_API_HOST, settings.LAAS_API_PORT + 1);
  const cli = temporalCli(root);
  // A dev server that dies is started again on the same file (its state survives); if it will not come back, everything stops.
  const temporal = new Supervised({
    name: 'the Temporal dev server',
    start: async () => {
      devServer = await startDevServer({ cli, port: Number(port), uiPort: Number(port) + 1000, dbFile: join(dataDir, 'temporal.db'), uiCodecEndpoint: `${api}${CODEC_PREFIX}` });
      return devServer.process;
    },
    say,
    stopping: () => stopping,
    giveUp: (reason) => {
      say(`${reason}: without Temporal no booking can run; stopping everything`);
      void stopAll(1);
    },
    maxRestarts: 3,
    // Its ports are freed and the worker and API notice it gone before it comes back.
    backoffMs: 3_000,
  });
  await temporal.start();
  const dev = devServer!;
  await prepareDatabase(database.url, say);
  if (process.env.LAAS_REAL_PEERS === '1') {
    // --- LAAS_REAL_PEERS=1: start the real peers, register them, and point the worker and API at their lab file.
    say('starting the real peers (ipmi_sim per host, FOG simulator, Open vSwitch, sshd hosts, slapd, libvirtd)...');
    realPeers = await startDemoRealLab({ dataDir, databaseUrl: database.url, say });
    process.env.LAAS_LAB_FILE = realPeers.labFile;
    // --- end LAAS_REAL_PEERS
  } else {
    await importLabDescription(database.url, join(root, settings.LAAS_LAB_FILE));
  }
  await run('worker', 'workers/main.ts');
  await run('api', 'api/main.ts');

  await waitForHealth(`${api}/healthz`);
  if (stopping) return;
  // The LaaS 2.x dashboard connector (docs/dashboard-2x.md), once the API answers: only when a dashboard is named.
  if (process.env.LAAS_DASHBOARD_URL && process.env.LAAS_DASHBOARD_TOKEN) await run('connector', 'workers/connector-main.ts');
  if (realPeers) say(`lab "${realPeers.name}" on real peers: ${realPeers.hosts.map((h) => h.name).join(', ')} (description: ${realPeers.labFile})`);
  else say(`simulated lab "${lab.name}": ${lab.hosts.map((h) => h.name).join(', ')}`);
  say(`API          ${api}  (health: ${api}/healthz)`);
  say(`console      ${api}/console/`);
  say(`metrics      ${api}/metrics (API), http://${process.env.LAAS_WORKER_METRICS}/metrics (worker)`);
  say(`Temporal UI  ${dev.uiUrl}/namespaces/default/workflows`);
  say(`Temporal     ${dev.address} (gRPC)`);
  say(`codec        ${api}${CODEC_PREFIX}  (${codecNote})`);
  say(`database     ${database.shown}`);
  if (process.env.LAAS_DASHBOARD_URL && process.env.LAAS_DASHBOARD_TOKEN) say(`dashboard    ${process.env.LAAS_DASHBOARD_URL.replace(/\/\/[^/@]*@/, '//')}  (LaaS 2.x connector polling it)`);
  if (settings.apiTokenDefaulted) say(`API token    ${settings.LAAS_API_TOKEN}  (development default; set LAAS_API_TOKEN)`);
  say('Ctrl-C stops everything.');
}

/** Where the worker serves /metrics when LAAS_WORKER_METRICS is unset: the port after the API's, or any free one. */
async function workerMetricsAddress(host: string, preferred: number): Promise<string> {
  return `${host}:${(await portInUse(host, preferred)) ? await freePort() : preferred}`;
}

main().catch(async (err: unknown) => {
  console.error(`laas: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll(1);
});
