import { NativeConnection } from '@temporalio/worker';
import { loadSettings } from '../config/settings';
import { loadLab } from '../config/load-lab';
import { connect } from '../db/connection';
import { keyringFromEnv } from '../db/crypto';
import { MemoryHostKeyStore } from '../drivers/host/host-key-book';
import { createWorker, taskQueueOf } from './worker';
import { databaseEvents, simCredentials } from './sim-deps';
import { databaseAllocator, databaseCredentials, inventoryOf } from './inventory-deps';
import { buildDrivers, isSimulatedLab } from './drivers';
import { dataConverterFromEnv } from '../config/payload-codec';

/**
 * Worker process for one lab: polls the lab's task queue until SIGINT/SIGTERM. The inventory and
 * allocations are the database's; devices are real or simulated as the lab description says.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const lab = loadLab(settings.LAAS_LAB_FILE);
  const db = connect(settings.DATABASE_URL, { max: 8 });
  const inventory = inventoryOf(db, lab.name);
  const credentials = isSimulatedLab(lab) ? simCredentials : databaseCredentials(db, keyringFromEnv().keyring);
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
    },
  });
  const devices = built.simLab ? (isSimulatedLab(lab) ? 'simulated devices' : 'real and simulated devices') : 'real devices';
  console.log(`worker: lab ${lab.name} (${lab.hosts.length} hosts, ${devices}), task queue ${taskQueue}`);
  try {
    await worker.run();
  } finally {
    await connection.close();
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
