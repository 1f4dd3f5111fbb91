import { NativeConnection, Runtime } from '@temporalio/worker';
import { createLogger, sdkLogger } from './logging';
import { tracingFromEnv } from '../config/tracing';
import { createStepMetrics, freeLoopbackPort, serveWorkerMetrics, vendorsOf } from './metrics';
import { loadSettings } from '../config/settings';
import { loadLab } from '../config/load-lab';
import { connect, resilientPool } from '../db/connection';
import { keyringFromEnv } from '../db/crypto';
import { MemoryHostKeyStore } from '../drivers/host/host-key-book';
import { createWorker, taskQueueOf } from './worker';
import { databaseEvents, sealedOrSimulated } from './sim-deps';
import { databaseAllocator, databaseConsoleLogs, databaseCredentials, databaseNetworkActions, inventoryOf } from './inventory-deps';
import { Client, Connection } from '@temporalio/client';
import { withSwitchLock } from '../activities/switch-lock';
import { listPendingNetworkActions } from '../db/network-actions';
import { startNetworkAction } from '../api/network-actions';
import { buildDrivers, isSimulatedLab } from './drivers';
import { dataConverterFromEnv } from '../config/payload-codec';

/**
 * Worker process for one lab: polls the lab's task queue until SIGINT/SIGTERM. The inventory and
 * allocations are the database's; devices are real or simulated as the lab description says.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const log = createLogger('worker', settings.LAAS_LOG_LEVEL);
  // LAAS_WORKER_METRICS=host:port: /metrics there has laas's step metrics and the SDK's (workflow and activity counts, latencies, pollers).
  const metricsAt = process.env.LAAS_WORKER_METRICS;
  const sdkMetricsAt = metricsAt ? `127.0.0.1:${await freeLoopbackPort()}` : undefined;
  Runtime.install({ logger: sdkLogger(log), ...(sdkMetricsAt ? { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAt } } } } : {}) });
  const lab = loadLab(settings.LAAS_LAB_FILE);
  const tracing = tracingFromEnv(process.env, 'laas-worker');
  const steps = metricsAt ? createStepMetrics() : undefined;
  const metricsServer = metricsAt && steps ? await serveWorkerMetrics(metricsAt, steps.registry, sdkMetricsAt) : undefined;
  const db = connect(settings.DATABASE_URL, { max: 8 });
  const lockPool = resilientPool(settings.DATABASE_URL, { max: 4, label: 'switch lock' });
  const inventory = inventoryOf(db, lab.name);
  // A simulated lab's own devices take any credential; nodes registered through HIL's API have theirs sealed.
  const sealed = databaseCredentials(db, keyringFromEnv().keyring);
  const credentials = isSimulatedLab(lab) ? sealedOrSimulated(sealed) : sealed;
  const hostKeys = new MemoryHostKeyStore();
  const built = await buildDrivers(lab, inventory, credentials, {
    hostKeys,
    sim: { latencyMs: settings.LAAS_SIM_LATENCY_MS, imagingMs: settings.LAAS_SIM_LATENCY_MS * 6 },
  });
  const connection = await NativeConnection.connect({ address: settings.TEMPORAL_ADDRESS });
  const taskQueue = taskQueueOf(lab.name);
  const { dataConverter } = dataConverterFromEnv();
  const worker = await createWorker({
    connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue,
    dataConverter,
    log,
    ...(settings.LAAS_WORKER_CACHED_WORKFLOWS ? { maxCachedWorkflows: settings.LAAS_WORKER_CACHED_WORKFLOWS } : {}),
    ...(tracing ? { tracing } : {}),
    ...(steps ? { metrics: { steps, vendorOf: vendorsOf(lab) } } : {}),
    deps: {
      labName: lab.name,
      inventory,
      drivers: built.drivers,
      credentials,
      allocator: databaseAllocator(db),
      events: databaseEvents(db),
      timing: { imagingPollMs: 2_000, imagingTimeoutMs: 90 * 60_000, rebootTimeoutMs: 15 * 60_000 },
      hostLogin: built.hostLogin,
      hostKeys,
      networkActions: databaseNetworkActions(db),
      // Serial consoles captured here, read by the API from PostgreSQL.
      consoleLogs: databaseConsoleLogs(db),
      // One change at a time per switch, across every worker of the lab.
      switchLock: (switchName, work) => withSwitchLock(lockPool, switchName, work, { waitMs: 120_000 }),
    },
  });
  // Actions the API recorded but could not hand on (it crashed, Temporal was down) are picked up here.
  const client = new Client({ connection: await Connection.connect({ address: settings.TEMPORAL_ADDRESS }), namespace: settings.TEMPORAL_NAMESPACE, dataConverter, ...(tracing ? { plugins: [tracing.plugin] } : {}) });
  for (const id of await listPendingNetworkActions(db)) await startNetworkAction(client, taskQueue, id);
  const devices = built.simLab ? (isSimulatedLab(lab) ? 'simulated devices' : 'real and simulated devices') : 'real devices';
  const cached = worker.options.maxCachedWorkflows;
  log.info({ lab: lab.name, hosts: lab.hosts.length, taskQueue, cachedWorkflows: cached }, `lab ${lab.name} (${lab.hosts.length} hosts, ${devices}), task queue ${taskQueue}, up to ${cached} workflows kept in memory`);
  try {
    await worker.run();
  } finally {
    metricsServer?.close();
    await tracing?.shutdown();
    await connection.close();
    await client.connection.close();
    await lockPool.end();
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
