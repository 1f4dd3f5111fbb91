import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { hilRoutes, type HilDeps } from '../../../api/hil/index';
import { newKeyEntry, parseKeyring } from '../../../db/crypto';
import type { PowerDriver } from '../../../drivers/power/power';
import type { TempDatabase } from './temp-database';
import { inProcessWorker } from '../../helpers/in-process-worker';
import type { HeadnodeDriver } from '../../../drivers/headnode/headnode';
import type { ConsoleDriver } from '../../../drivers/console/bmc-console';

export interface HilApp {
  app: FastifyInstance;
  /** Every log line the server wrote, at trace level. */
  logs: string[];
  /** Every HIL route, as `METHOD /pattern`. */
  routes: Set<string>;
  /** The routes that answered a request so far. */
  hits: Set<string>;
  adminToken: string;
  adminPassword: string;
  deps: HilDeps;
}

/** The HIL plugin under /v0 in a Fastify app built like the lead's API server (zod type provider, logger on). */
export async function buildHilApp(t: TempDatabase, options: { power?: (type: string) => PowerDriver; lab?: string; onNetworkAction?: (id: string) => void; extra?: Partial<HilDeps>; worker?: { headnode?: HeadnodeDriver; console?: ConsoleDriver } } = {}): Promise<HilApp> {
  const logs: string[] = [];
  const app = Fastify({ logger: { level: 'trace', stream: { write: (line: string) => void logs.push(line) } } }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const adminToken = `tok-${randomBytes(12).toString('hex')}`;
  const adminPassword = `pw-${randomBytes(9).toString('hex')}`;
  const keyring = parseKeyring(newKeyEntry('test1'));
  const lab = options.lab ?? 'hil-lab';
  const deps: HilDeps = {
    db: t.db,
    lab,
    keyring,
    adminToken,
    adminPassword,
    power:
      options.power ??
      ((type) => {
        throw new Error(`no power driver for ${type} in this test`);
      }),
    onNetworkAction: options.onNetworkAction,
    // The lab worker's HIL activities (OBM tokens, headnodes, consoles), run in this process.
    ...inProcessWorker(t.db, keyring, lab, options.worker),
    ...options.extra,
  };
  const routes = new Set<string>();
  const hits = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.add(`${method} ${route.url}`);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    if (request.routeOptions.url) hits.add(`${request.method} ${request.routeOptions.url}`);
    done();
  });
  await app.register(hilRoutes, { prefix: '/v0', ...deps });
  await app.ready();
  return { app, logs, routes, hits, adminToken, adminPassword, deps };
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
