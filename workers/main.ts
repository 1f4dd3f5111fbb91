import { NativeConnection } from '@temporalio/worker';
import { loadSettings } from '../config/settings';
import { loadLab } from '../config/load-lab';
import { connect } from '../db/connection';
import { createWorker, taskQueueOf } from './worker';
import { dataConverterFromEnv } from '../config/payload-codec';
import { databaseEvents, simLabDeps } from './sim-deps';

/** Worker process for one lab: polls the lab's task queue until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const settings = loadSettings();
  const lab = loadLab(settings.LAAS_LAB_FILE);
  const db = connect(settings.DATABASE_URL, { max: 4 });
  const connection = await NativeConnection.connect({ address: settings.TEMPORAL_ADDRESS });
  const { deps, simLab } = simLabDeps(lab, databaseEvents(db), { latencyMs: settings.LAAS_SIM_LATENCY_MS, imagingMs: settings.LAAS_SIM_LATENCY_MS * 6 });
  const taskQueue = taskQueueOf(lab.name);
  const { dataConverter } = dataConverterFromEnv();
  const worker = await createWorker({ connection, namespace: settings.TEMPORAL_NAMESPACE, taskQueue, deps, dataConverter });
  console.log(`worker: lab ${lab.name} (${simLab.hosts.size} simulated hosts), task queue ${taskQueue}`);
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
