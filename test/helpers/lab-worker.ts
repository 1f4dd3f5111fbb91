import { afterAll, beforeAll, inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Logger } from 'pino';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadLab } from '../../config/load-lab';
import type { Lab } from '../../config/lab';
import { createWorker, type WorkerOptions } from '../../workers/worker';
import type { Tracing } from '../../config/tracing';
import { databaseEvents, sealedOrSimulated, simLabDeps } from '../../workers/sim-deps';
import { databaseAllocator, databaseConsoleLogs, databaseCredentials, databaseNetworkActions, importLabFile, inventoryOf } from '../../workers/inventory-deps';
import type { Keyring } from '../../db/crypto';
import type { HeadnodeDriver } from '../../drivers/headnode/headnode';
import type { SwitchDriver } from '../../drivers/switch/switch';
import type { SimLab, SimLabOptions } from '../../sim/lab/lab';
import type { Timing } from '../../activities/deps';
import { createTempDatabase, type TempDatabase } from '../db/helpers/temp-database';
import type { DirectoryDriver } from '../../drivers/directory/directory';

// Workers log their state changes at INFO; tests want only errors (expected activity failures are WARN).
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Already installed in this process.
}

export const simLabFile = join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml');

export interface LabWorker {
  client: Client;
  lab: Lab;
  simLab: SimLab;
  taskQueue: string;
  database: TempDatabase;
  worker: Worker;
  close(): Promise<void>;
}

/**
 * A real worker on the run's dev server, on its own task queue, driving a fresh simulated lab,
 * recording events in a fresh database. Each test file gets its own, so files run side by side.
 * With `dataConverter` (payload encryption), the worker and the client both use it.
 */
export interface LabWorkerOptions extends SimLabOptions {
  timing?: Partial<Timing>;
  dataConverter?: DataConverter;
  maxCachedWorkflows?: number;
  log?: Logger;
  metrics?: WorkerOptions['metrics'];
  tracing?: Tracing;
  /** Credentials sealed in the database with this keyring (nodes registered through /v0), the simulated lab's for the rest. */
  keyring?: Keyring;
  /** The lab's headnode driver instead of the simulated one (HIL's headnodes on libvirtd). */
  headnode?: HeadnodeDriver;
  /** A real directory (slapd) instead of the simulated one. */
  directory?: DirectoryDriver;
  /** Real switch drivers beside the simulated one (switches registered through /v0 at a simulator of their own). */
  switchDrivers?: Record<string, SwitchDriver>;
}

export async function startLabWorker(options: LabWorkerOptions = {}): Promise<LabWorker> {
  const address = inject('temporalAddress');
  const lab = loadLab(simLabFile);
  const database = await createTempDatabase();
  // The simulated lab's devices, but the inventory and allocations a running lab has: in PostgreSQL.
  await importLabFile(database.db, simLabFile);
  const { deps, simLab } = simLabDeps(lab, databaseEvents(database.db), {
    imagingMs: 300,
    allocator: databaseAllocator(database.db),
    inventory: inventoryOf(database.db, lab.name),
    networkActions: databaseNetworkActions(database.db),
    consoleLogs: databaseConsoleLogs(database.db),
    ...(options.keyring ? { credentials: sealedOrSimulated(databaseCredentials(database.db, options.keyring)) } : {}),
    ...options,
    timing: { imagingPollMs: 50, ...options.timing },
  });
  // A real directory (slapd) instead of the simulated one, the rest of the lab simulated.
  if (options.directory) deps.drivers.directory = options.directory;
  const nativeConnection = await NativeConnection.connect({ address });
  const taskQueue = `test-${randomBytes(4).toString('hex')}`;
  const workflowBundle = { codePath: inject('workflowBundlePath') };
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    deps,
    // Tracing adds its workflow interceptors to the bundle: bundled from source then.
    ...(options.tracing ? { tracing: options.tracing } : { workflowBundle }),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.maxCachedWorkflows ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default', ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}), ...(options.tracing ? { plugins: [options.tracing.plugin] } : {}) });
  return {
    client,
    lab,
    simLab,
    taskQueue,
    database,
    worker,
    async close() {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
      await database.drop();
    },
  };
}

/** A lab worker (startLabWorker) for a test file's tests: started before them, closed after them. */
export function useLabWorker(options: Parameters<typeof startLabWorker>[0] = {}): { readonly env: LabWorker } {
  let env: LabWorker | undefined;
  beforeAll(async () => {
    env = await startLabWorker(options);
  });
  afterAll(async () => {
    await env?.close();
  });
  return {
    get env() {
      if (!env) throw new Error('the lab worker is used before its beforeAll ran');
      return env;
    },
  };
}
