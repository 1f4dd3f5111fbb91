import { Client, Connection } from '@temporalio/client';
import { loadSettings } from '../config/settings';
import { loadLab } from '../config/load-lab';
import { buildServer } from './server';
import { connect } from '../db/connection';
import { keyringFromEnv } from '../db/crypto';
import { switchDrivers } from '../drivers/switch/drivers';
import { codecUiOriginsFromEnv, dataConverterFromEnv } from '../config/payload-codec';
import { taskQueueOf } from '../workflows/definitions';
import { startNetworkAction } from './network-actions';

async function main(): Promise<void> {
  const settings = loadSettings();
  const lab = loadLab(settings.LAAS_LAB_FILE);
  const connection = await Connection.connect({ address: settings.TEMPORAL_ADDRESS });
  const { codec, dataConverter } = dataConverterFromEnv();
  const temporal = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE, dataConverter });
  const db = connect(settings.DATABASE_URL, { max: 8 });
  const app = await buildServer({
    temporal,
    db,
    lab,
    taskQueue: taskQueueOf(lab.name),
    apiToken: settings.LAAS_API_TOKEN,
    codec: { codec, uiOrigins: codecUiOriginsFromEnv(), namespace: settings.TEMPORAL_NAMESPACE, auth: settings.LAAS_CODEC_AUTH },
    hil: {
      keyring: keyringFromEnv().keyring,
      adminPassword: settings.LAAS_ADMIN_PASSWORD,
      // Port names are checked by the switch type's own grammar; checking touches no switch.
      validatePort: (type, port) => switchDrivers[type]?.validatePort(port),
      // No power driver here: BMCs are reached by the lab's worker only, so power calls run as workflows on its queue.
      // A recorded connect/detach starts its workflow at once (status_id = workflow id).
      onNetworkAction: (statusId) => startNetworkAction(temporal, taskQueueOf(lab.name), statusId),
    },
    logger: { level: settings.LAAS_LOG_LEVEL },
  });
  const close = async () => {
    await app.close();
    await connection.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
  await app.listen({ host: settings.LAAS_API_HOST, port: settings.LAAS_API_PORT });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
