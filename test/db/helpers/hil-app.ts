import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { hilRoutes, type HilDeps } from '../../../api/hil/index';
import { newKeyEntry, parseKeyring } from '../../../db/crypto';
import type { PowerDriver } from '../../../drivers/power/power';
import type { TempDatabase } from './temp-database';

export interface HilApp {
  app: FastifyInstance;
  /** Every log line the server wrote, at trace level. */
  logs: string[];
  adminToken: string;
  adminPassword: string;
  deps: HilDeps;
}

/** The HIL plugin under /v0 in a Fastify app built like the lead's API server (zod type provider, logger on). */
export async function buildHilApp(t: TempDatabase, options: { power?: (type: string) => PowerDriver; lab?: string; onNetworkAction?: (id: string) => void } = {}): Promise<HilApp> {
  const logs: string[] = [];
  const app = Fastify({ logger: { level: 'trace', stream: { write: (line: string) => void logs.push(line) } } }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const adminToken = `tok-${randomBytes(12).toString('hex')}`;
  const adminPassword = `pw-${randomBytes(9).toString('hex')}`;
  const deps: HilDeps = {
    db: t.db,
    lab: options.lab ?? 'hil-lab',
    keyring: parseKeyring(newKeyEntry('test1')),
    adminToken,
    adminPassword,
    power:
      options.power ??
      ((type) => {
        throw new Error(`no power driver for ${type} in this test`);
      }),
    onNetworkAction: options.onNetworkAction,
  };
  await app.register(hilRoutes, { prefix: '/v0', ...deps });
  await app.ready();
  return { app, logs, adminToken, adminPassword, deps };
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
