import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IllegalStateError } from '../../../db/errors';
import { hostProject } from '../../../db/holdings';
import { getHost } from '../../../db/hosts';
import type { NodeConsoles } from '../../consoles';
import { callerOf, requireProjectAccess } from '../auth';
import type { HilDeps } from '../deps';
import { requireObmEnabled } from '../obm';

type NodeParams = { Params: { node: string } };

/** HIL 0.3 sent the log with non-ASCII characters removed; the text keeps tabs and line ends. */
export function asciiText(log: Buffer): string {
  return log.toString('latin1').replace(/[^\t\n\r\x20-\x7e]/g, '');
}

/**
 * HIL's console API on the console capture (the lab's worker captures, the log is in
 * PostgreSQL): PUT starts it (V3), GET answers the log so far (V3's
 * show_console; for V4/M's streaming client, whatever the console said so far, capture started
 * if it was not), DELETE stops it and deletes the log. Project members and administrators only,
 * and not while the node's OBM is disabled (M).
 */
export function consoleRoutes(app: FastifyInstance, deps: HilDeps): void {
  const { db } = deps;
  async function allowed(request: FastifyRequest, name: string): Promise<NodeConsoles> {
    const host = await getHost(db, name);
    requireProjectAccess(callerOf(request), await hostProject(db, host.id));
    requireObmEnabled(host);
    if (!deps.consoles) throw new IllegalStateError('serial console capture is not available in this API', { node: name });
    return deps.consoles;
  }

  app.put<NodeParams>('/node/:node/console', async (request, reply) => {
    const consoles = await allowed(request, request.params.node);
    await consoles.start(request.params.node);
    return reply.send();
  });

  app.get<NodeParams>('/node/:node/console', async (request, reply) => {
    const consoles = await allowed(request, request.params.node);
    if (!(await consoles.has(request.params.node))) await consoles.start(request.params.node);
    return reply.type('text/plain; charset=utf-8').send(asciiText((await consoles.log(request.params.node)) ?? Buffer.alloc(0)));
  });

  app.delete<NodeParams>('/node/:node/console', async (request, reply) => {
    const consoles = await allowed(request, request.params.node);
    await consoles.stop(request.params.node);
    return reply.send();
  });
}
