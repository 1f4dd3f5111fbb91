import { Connection } from '@temporalio/client';
import { hostname } from 'node:os';
import { loadSettings } from '../config/settings';
import { loadLab } from '../config/load-lab';
import { taskQueueOf } from '../workflows/definitions';

/**
 * Healthcheck of a laas worker container (docker-compose.yml): healthy while Temporal sees this
 * container polling its lab's workflow task queue. A hung or disconnected worker stops polling and
 * its poller entry ages out, so the check fails without the worker having to expose a port.
 */
async function main(): Promise<boolean> {
  const settings = loadSettings();
  const taskQueue = taskQueueOf(loadLab(settings.LAAS_LAB_FILE).name);
  const connection = await Connection.connect({ address: settings.TEMPORAL_ADDRESS, connectTimeout: 3000 });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace: settings.TEMPORAL_NAMESPACE,
      taskQueue: { name: taskQueue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    // The SDK's default worker identity is "<pid>@<hostname>", and a container's hostname is its own.
    const polling = (pollers ?? []).some((p) => p.identity?.endsWith(`@${hostname()}`));
    if (!polling) console.error(`worker-healthcheck: no poller from ${hostname()} on task queue ${taskQueue}`);
    return polling;
  } finally {
    await connection.close();
  }
}

main().then(
  (healthy) => process.exit(healthy ? 0 : 1),
  (err: unknown) => {
    console.error(`worker-healthcheck: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
