import type { FastifyInstance } from 'fastify';
import { installHilAuth } from './auth';
import type { HilDeps } from './deps';
import { installHilErrors } from './errors';
import { networkRoutes } from './routes/networks';
import { nodeRoutes } from './routes/nodes';
import { powerRoutes } from './routes/power';
import { projectRoutes } from './routes/projects';
import { switchRoutes } from './routes/switches';
import { userRoutes } from './routes/users';

export type { HilDeps } from './deps';

/**
 * The HaaS/HIL admin API (hil-api.md), to be registered under the prefix `/v0`:
 * `app.register(hilRoutes, { prefix: '/v0', ...deps })`. Errors are HIL's
 * `{"type", "msg"}`; every call needs Basic or bearer authentication.
 */
export async function hilRoutes(app: FastifyInstance, deps: HilDeps): Promise<void> {
  installHilErrors(app);
  installHilAuth(app, deps);
  projectRoutes(app, deps);
  nodeRoutes(app, deps);
  powerRoutes(app, deps);
  networkRoutes(app, deps);
  switchRoutes(app, deps);
  userRoutes(app, deps);
  return Promise.resolve();
}
