import { Client, Connection } from '@temporalio/client';
import { loadSettings } from '../config/settings';
import { loadLab } from '../config/load-lab';
import { buildServer } from './server';
import { connect } from '../db/connection';
import { keyringFromEnv } from '../db/crypto';
import { checkPortFor } from '../drivers/switch/port-rules';
import { codecUiOriginsFromEnv, dataConverterFromEnv } from '../config/payload-codec';
import { taskQueueOf } from '../workflows/definitions';
import { startNetworkAction } from './network-actions';
import { DependencyMonitor } from './dependencies';
import { liblaasOptions } from './liblaas/options';
import { tracingFromEnv } from '../config/tracing';
import { prettyLogs, prettyOptions } from '../config/log-format';
import { BookingReadCache, READ_MODEL_CHANNEL } from './booking-read-cache';
import { ChangeListener } from './change-listener';
import { ACCESS_CHANNEL, TokenCache } from './auth/token-cache';

async function main(): Promise<void> {
  const settings = loadSettings();
  const lab = loadLab(settings.LAAS_LAB_FILE);
  // Lazy: the API starts (and answers 503 on the routes that need Temporal) while Temporal is away.
  const connection = Connection.lazy({ address: settings.TEMPORAL_ADDRESS });
  const { codec, dataConverter } = dataConverterFromEnv();
  // LAAS_OTEL_ENDPOINT: the workflows the API starts carry its trace on to the worker's spans.
  const tracing = tracingFromEnv(process.env, 'laas-api');
  const temporal = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE, dataConverter, ...(tracing ? { plugins: [tracing.plugin] } : {}) });
  const db = connect(settings.DATABASE_URL, { max: 8 });
  const monitor = new DependencyMonitor(temporal, db, { onChange: (name, up) => console.warn(`api: ${name} ${up ? 'is back' : 'is unavailable: its routes answer 503'}`) }).start();
  // Booking reads and token holders answered from memory until PostgreSQL notifies a change
  // (LAAS_READ_CACHE=0: every read and every token check queries).
  const warn = (m: string) => console.warn(`api: ${m}`);
  const changes = settings.LAAS_READ_CACHE ? new ChangeListener(settings.DATABASE_URL, [READ_MODEL_CHANNEL, ACCESS_CHANNEL], { warn }) : undefined;
  const readCache = changes ? new BookingReadCache(db, changes) : undefined;
  const tokenCache = changes ? new TokenCache(db, changes, { warn }) : undefined;
  await changes?.start();
  const app = await buildServer({
    monitor,
    ...(readCache ? { readCache } : {}),
    ...(tokenCache ? { tokenCache } : {}),
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
      validatePort: (type, port) => checkPortFor(type, port),
      // No power driver here: BMCs are reached by the lab's worker only, so power calls run as workflows on its queue.
      // A recorded connect/detach starts its workflow at once (status_id = workflow id).
      onNetworkAction: (statusId) => startNetworkAction(temporal, taskQueueOf(lab.name), statusId),
      // HIL's headnodes on the lab's libvirt hypervisor (through the lab's worker), from the base images there.
      headnodes: lab.headnode.type === 'libvirt',
    },
    ...(settings.LAAS_LIBLAAS_ENABLED ? { liblaas: liblaasOptions(settings) } : {}),
    // Under npm start one readable line per request, `api: ...`; JSON lines in production.
    logger: { level: settings.LAAS_LOG_LEVEL, ...(prettyLogs() ? prettyOptions('api') : {}) },
  });
  const close = async () => {
    await app.close();
    await readCache?.close();
    await changes?.close();
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
