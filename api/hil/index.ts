import type { FastifyInstance } from 'fastify';
import { BadArgumentError } from '../../db/errors';
import { callerOf, installHilAuth } from './auth';
import { installAudit } from '../audit';
import type { HilDeps } from './deps';
import { installHilErrors } from './errors';
import { consoleRoutes } from './routes/console';
import { extensionRoutes } from './routes/extensions';
import { headnodeRoutes } from './routes/headnodes';
import { networkRoutes } from './routes/networks';
import { nodeRoutes } from './routes/nodes';
import { powerRoutes } from './routes/power';
import { projectRoutes } from './routes/projects';
import { switchRoutes } from './routes/switches';
import { userRoutes } from './routes/users';

export type { HilDeps } from './deps';

/**
 * HIL read every body as JSON whatever its declared type, and its users' scripts
 * (`curl -d '{...}'`, which says form-urlencoded) rely on that.
 */
function acceptJsonWhateverTheType(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      // The parser's own message would quote the body, which may hold a password.
      done(new BadArgumentError('the request body is not valid JSON'), undefined);
    }
  });
}

/**
 * The HaaS/HIL admin API (hil-api.md), to be registered under the prefix `/v0`:
 * `app.register(hilRoutes, { prefix: '/v0', ...deps })`. Errors are HIL's
 * `{"type", "msg"}`; every call needs Basic or bearer authentication; every change is audited.
 */
export async function hilRoutes(app: FastifyInstance, deps: HilDeps): Promise<void> {
  installHilErrors(app);
  installHilAuth(app, deps);
  // Every change is audited; those made in PostgreSQL in their own transaction (api/audit.ts).
  installAudit(app, {
    db: deps.db,
    actorOf: (request) => {
      try {
        const caller = callerOf(request);
        return { actor: caller.name, actorKind: caller.isAdmin ? 'admin' : 'user' };
      } catch {
        return undefined;
      }
    },
  });
  acceptJsonWhateverTheType(app);
  projectRoutes(app, deps);
  nodeRoutes(app, deps);
  powerRoutes(app, deps);
  networkRoutes(app, deps);
  switchRoutes(app, deps);
  userRoutes(app, deps);
  extensionRoutes(app);
  consoleRoutes(app, deps);
  headnodeRoutes(app, deps);
  return Promise.resolve();
}
