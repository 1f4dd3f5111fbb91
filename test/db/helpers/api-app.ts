import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../../api/server';
import type { Lab } from '../../../config/lab';
import { createUserToken } from '../../../db/api-tokens';
import { newKeyEntry, parseKeyring } from '../../../db/crypto';
import { ensureLab } from '../../../db/labs';
import { createProject } from '../../../db/projects';
import { addUserToProject, createUser } from '../../../db/users';
import type { TempDatabase } from './temp-database';

export const API_ADMIN_TOKEN = 'api-input-admin-token-0123456789';
export const HIL_ADMIN_PASSWORD = 'hil-admin-pw-1414213562';

/** Any call to Temporal throws: a refusal must come before Temporal is asked anything. */
export const noTemporal = new Proxy({}, {
  get: (_t, key) => {
    throw new Error(`Temporal was asked for ${String(key)}`);
  },
}) as Client;

/** The whole API (/v1 and HIL's /v0) on a temp database, with a member user alice of project demo. */
export async function buildApiApp(t: TempDatabase, temporal: Client = noTemporal, lab?: Lab): Promise<{ api: FastifyInstance; aliceToken: string }> {
  await ensureLab(t.db, 'sim');
  await createProject(t.db, 'demo');
  await createUser(t.db, 'alice', null);
  await addUserToProject(t.db, 'alice', 'demo');
  const aliceToken = (await createUserToken(t.db, 'alice')).token;
  const api = await buildServer({
    temporal,
    db: t.db,
    lab: lab ?? ({ name: 'sim', hosts: [], images: [], switches: [], maxLeaseHours: 24, holdTimeoutMinutes: 240, failurePolicy: 'compensate', vlanPool: { from: 1000, to: 1099 } } as unknown as Lab),
    taskQueue: 'unused',
    apiToken: API_ADMIN_TOKEN,
    hil: { keyring: parseKeyring(newKeyEntry('k1')), adminPassword: HIL_ADMIN_PASSWORD },
  });
  await api.ready();
  return { api, aliceToken };
}
