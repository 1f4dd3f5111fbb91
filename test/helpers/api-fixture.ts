import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildServer } from '../../api/server';
import type { Lab } from '../../config/lab';
import { useLabWorker, type LabWorker } from './lab-worker';

/** The development administrator's bearer token of the fixture's API. */
export const API_TOKEN = 'test-token-0123456789abcdef';

export interface ApiFixture {
  /** The lab worker: Temporal client, simulated lab, fresh database, task queue. */
  readonly env: LabWorker;
  /** The whole API in front of it (inject requests). */
  readonly api: FastifyInstance;
  readonly token: string;
  /** Headers of the administrator's requests. */
  readonly auth: { authorization: string };
}

/**
 * A test file's API on a real worker: before the file's tests, a lab worker on the run's Temporal
 * dev server (its own task queue and database, the simulated lab) and the API built on it; after
 * them, both closed. `lab` changes the lab description the API is given (not the worker's).
 */
export function useApiFixture(options: { lab?: (lab: Lab) => Lab } = {}): ApiFixture {
  const worker = useLabWorker();
  let api: FastifyInstance | undefined;
  beforeAll(async () => {
    const { env } = worker;
    api = await buildServer({ temporal: env.client, db: env.database.db, lab: options.lab?.(env.lab) ?? env.lab, taskQueue: env.taskQueue, apiToken: API_TOKEN });
  });
  // Closed before the worker (vitest runs "after" hooks in reverse).
  afterAll(async () => {
    await api?.close();
  });
  return {
    get env() {
      return worker.env;
    },
    get api() {
      if (!api) throw new Error("the API fixture's API is used before its beforeAll ran");
      return api;
    },
    token: API_TOKEN,
    auth: { authorization: `Bearer ${API_TOKEN}` },
  };
}

/** The lab with an image that only another flavor's hosts run (no host of the lab can take it). */
export function withForeignFlavorImage(lab: Lab): Lab {
  return { ...lab, images: [...lab.images, { name: 'gpu-ubuntu', imagingId: '9', osFamily: 'netplan' as const, flavors: ['gpu.large'] }] };
}
