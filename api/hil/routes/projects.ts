import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { getProject, connectNode, createProject, deleteProject, detachNode, listProjects, projectNetworks, projectNodes } from '../../../db/projects';
import { requireNoHeadnodes } from '../../../db/hil-headnodes';
import { getHost } from '../../../db/hosts';
import { callerOf, requireAdmin, requireProjectAccess } from '../auth';
import { parseBody } from '../body';
import type { HilDeps } from '../deps';
import { requireObmDisabled } from '../obm';
import { AUDIT_IN_CHANGE, auditedChange } from '../../audit';

type ProjectParams = { Params: { project: string } };
const nodeBody = z.object({ node: z.string().min(1) }).strict();

export function projectRoutes(app: FastifyInstance, deps: HilDeps): void {
  const { db } = deps;

  app.get('/projects', async (request) => {
    requireAdmin(callerOf(request));
    return listProjects(db);
  });

  app.put<ProjectParams>('/project/:project', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    await auditedChange(request, (trx) => createProject(trx, request.params.project));
    return reply.send();
  });

  app.delete<ProjectParams>('/project/:project', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    await auditedChange(request, async (trx) => {
      await requireNoHeadnodes(trx, { project: request.params.project });
      await deleteProject(trx, request.params.project);
    });
    return reply.send();
  });

  app.post<ProjectParams>('/project/:project/connect_node', AUDIT_IN_CHANGE, async (request, reply) => {
    const { node } = parseBody(nodeBody, request.body);
    // Issue 18: a member's hold ends at the lab's maximum lease (renewed by connecting again); an administrator's is open-ended.
    const caller = callerOf(request);
    await auditedChange(request, (trx) => connectNode(trx, request.params.project, node, (project) => requireProjectAccess(caller, project), { bounded: !caller.isAdmin }));
    return reply.send();
  });

  app.post<ProjectParams>('/project/:project/detach_node', AUDIT_IN_CHANGE, async (request, reply) => {
    const { node } = parseBody(nodeBody, request.body);
    await auditedChange(request, async (trx) => {
      const host = await getHost(trx, node);
      await detachNode(trx, request.params.project, node, (project) => {
        requireProjectAccess(callerOf(request), project);
        requireObmDisabled(host);
      });
    });
    // A node leaves its project with no console capture and no console history (HIL 0.3).
    await deps.consoles?.stop(node);
    return reply.send();
  });

  app.get<ProjectParams>('/project/:project/nodes', async (request) => {
    const project = await getProject(db, request.params.project);
    requireProjectAccess(callerOf(request), project.name);
    return projectNodes(db, project.name);
  });

  app.get<ProjectParams>('/project/:project/networks', async (request) => {
    const project = await getProject(db, request.params.project);
    requireProjectAccess(callerOf(request), project.name);
    return projectNetworks(db, project.name);
  });
}
