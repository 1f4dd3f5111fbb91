import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../../api/server';
import type { LiblaasOptions } from '../../api/liblaas/context';
import { ensureLab } from '../../db/labs';
import { startLabWorker, type LabWorker } from './lab-worker';
import type { SimLabOptions } from '../../sim/lab/lab';
import type { DirectoryDriver } from '../../drivers/directory/directory';

export interface LiblaasEnv {
  env: LabWorker;
  api: FastifyInstance;
  /** LIBLAAS_BASE_URL: ends in "/". */
  base: string;
  adminToken: string;
  close(): Promise<void>;
}

/**
 * The API process with liblaas served, listening on a real port (the dashboard speaks HTTP), a real
 * worker on the simulated lab, Temporal's dev server and a fresh PostgreSQL database.
 */
export async function startLiblaas(options: Partial<LiblaasOptions> = {}, sim: SimLabOptions & { directory?: DirectoryDriver } = {}): Promise<LiblaasEnv> {
  const env = await startLabWorker(sim);
  await ensureLab(env.database.db, env.lab.name);
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const api = await buildServer({
    temporal: env.client,
    db: env.database.db,
    lab: env.lab,
    taskQueue: env.taskQueue,
    apiToken: adminToken,
    liblaas: { prefix: '/liblaas/', projects: ['anuket'], allow: ['127.0.0.1', '::1', '::ffff:127.0.0.1'], ...options },
  });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.server.address() as AddressInfo;
  return {
    env,
    api,
    base: `http://127.0.0.1:${port}${options.prefix ?? '/liblaas/'}`,
    adminToken,
    async close() {
      await api.close();
      await env.close();
    },
  };
}

/** Poll until `check` answers something truthy, or fail after `ms`. */
export async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
