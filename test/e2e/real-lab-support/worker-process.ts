/**
 * A worker process for a real lab, built as workers/main.ts builds one (lab description,
 * PostgreSQL inventory, allocator and sealed credentials, real drivers, payload codec), so a
 * test can SIGKILL it and start another. Environment, besides workers/main.ts's:
 *   LAAS_WORKFLOW_BUNDLE   the run's prebuilt workflow bundle (bundling anew costs seconds per start)
 *   LAAS_E2E_PAUSE_AFTER   a step (pause-points.ts): stop right after that step's first device change
 *   LAAS_E2E_PAUSE_FILE    where to say so
 *   LAAS_E2E_PAUSE_RESUMABLE=1  go on once <pause file>.<step>.resume exists (then several steps may be listed)
 *   LAAS_E2E_WAIT_FOR_GO   load everything, print "worker loaded", and poll only after a line on stdin
 * Prints "worker ready" once polling.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadLab } from '../../../config/load-lab';
import { dataConverterFromEnv } from '../../../config/payload-codec';
import { loadSettings } from '../../../config/settings';
import { connect, resilientPool } from '../../../db/connection';
import { withSwitchLock } from '../../../activities/switch-lock';
import { keyringFromEnv } from '../../../db/crypto';
import { createWorker, taskQueueOf } from '../../../workers/worker';
import { PAUSE_STEPS, pauseAfterFirstChange, type PauseStep } from './pause-points';
import { realLabDeps } from './worker-deps';

async function main(): Promise<void> {
  // SIGTERM shuts the worker down gracefully (the Runtime's default signals); SIGKILL is the test's business.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const settings = loadSettings();
  const lab = loadLab(settings.LAAS_LAB_FILE);
  const pauses = (process.env.LAAS_E2E_PAUSE_AFTER ?? '').split(',').filter(Boolean) as PauseStep[];
  const pauseFile = process.env.LAAS_E2E_PAUSE_FILE;
  const resumable = process.env.LAAS_E2E_PAUSE_RESUMABLE === '1';
  if (pauses.length && (pauses.some((p) => !PAUSE_STEPS.includes(p)) || !pauseFile || (pauses.length > 1 && !resumable))) {
    throw new Error(`LAAS_E2E_PAUSE_AFTER must be one of ${PAUSE_STEPS.join(', ')} (several only when resumable), with LAAS_E2E_PAUSE_FILE set`);
  }
  const db = connect(settings.DATABASE_URL, { max: 8 });
  const lockPool = resilientPool(settings.DATABASE_URL, { max: 2, label: 'switch lock' });
  const deps = await realLabDeps(lab, db, keyringFromEnv().keyring, {
    ...(pauses.length ? { wrap: (drivers) => pauses.reduce((d, p) => pauseAfterFirstChange(d, p, pauseFile!, resumable), drivers) } : {}),
  });
  // One change at a time per switch, as workers/main.ts has it.
  deps.switchLock = (switchName, work) => withSwitchLock(lockPool, switchName, work, { waitMs: 120_000 });
  const connection = await NativeConnection.connect({ address: settings.TEMPORAL_ADDRESS });
  const bundle = process.env.LAAS_WORKFLOW_BUNDLE;
  const worker = await createWorker({
    connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: taskQueueOf(lab.name),
    deps,
    ...(bundle ? { workflowBundle: { codePath: bundle } } : {}),
    dataConverter: dataConverterFromEnv(process.env, () => undefined).dataConverter,
  });
  if (process.env.LAAS_E2E_WAIT_FOR_GO) {
    console.log('worker loaded');
    await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  }
  const running = worker.run();
  console.log('worker ready');
  try {
    await running;
  } finally {
    await connection.close();
    await lockPool.end();
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
