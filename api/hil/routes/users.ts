import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DuplicateError } from '../../../db/errors';
import { addUserToProject, createUser, deleteUser, listUsers, removeUserFromProject, setUserAdmin } from '../../../db/users';
import { callerOf, requireAdmin } from '../auth';
import { parseBody } from '../body';
import type { HilDeps } from '../deps';
import { AUDIT_IN_CHANGE, auditedChange } from '../../audit';

type UserParams = { Params: { user: string } };
const createBody = z.object({ password: z.string().min(1), is_admin: z.boolean().optional() }).strict();
const patchBody = z.object({ is_admin: z.boolean() }).strict();
const projectBody = z.object({ project: z.string().min(1) }).strict();

/** HIL's database authentication calls, all for administrators. */
export function userRoutes(app: FastifyInstance, deps: HilDeps): void {
  const { db } = deps;

  const list = async (request: Parameters<typeof callerOf>[0]) => {
    requireAdmin(callerOf(request));
    const users = await listUsers(db);
    return Object.fromEntries(users.map((u) => [u.name, { is_admin: u.isAdmin, projects: u.projects }]));
  };
  app.get('/auth/basic/users', list);
  // HIL itself served the list at the singular path.
  app.get('/auth/basic/user', list);

  app.put<UserParams>('/auth/basic/user/:user', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    const body = parseBody(createBody, request.body);
    // The development administrator's name is taken by the built-in account.
    if (request.params.user === 'admin' && deps.adminPassword) throw new DuplicateError('User admin already exists.');
    await auditedChange(request, (trx) => createUser(trx, request.params.user, body.password, body.is_admin ?? false));
    return reply.send();
  });

  app.delete<UserParams>('/auth/basic/user/:user', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    await auditedChange(request, (trx) => deleteUser(trx, request.params.user));
    return reply.send();
  });

  app.patch<UserParams>('/auth/basic/user/:user', AUDIT_IN_CHANGE, async (request, reply) => {
    const caller = callerOf(request);
    requireAdmin(caller);
    const body = parseBody(patchBody, request.body);
    await auditedChange(request, (trx) => setUserAdmin(trx, request.params.user, body.is_admin, caller.name));
    return reply.send();
  });

  app.post<UserParams>('/auth/basic/user/:user/add_project', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    const { project } = parseBody(projectBody, request.body);
    await auditedChange(request, (trx) => addUserToProject(trx, request.params.user, project));
    return reply.send();
  });

  app.post<UserParams>('/auth/basic/user/:user/remove_project', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    const { project } = parseBody(projectBody, request.body);
    await auditedChange(request, (trx) => removeUserFromProject(trx, request.params.user, project));
    return reply.send();
  });
}
