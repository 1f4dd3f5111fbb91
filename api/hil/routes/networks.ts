import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AuthorizationError, BadArgumentError, DuplicateError } from '../../../db/errors';
import { requireNoHeadnodes } from '../../../db/hil-headnodes';
import { createNetwork, deleteNetwork, grantNetworkAccess, listNetworks, revokeNetworkAccess, showNetwork } from '../../../db/networks';
import { getProject } from '../../../db/projects';
import { callerOf, haveProjectAccess, requireAdmin, requireProjectAccess } from '../auth';
import { parseBody } from '../body';
import type { HilDeps } from '../deps';
import { AUDIT_IN_CHANGE, auditedChange } from '../../audit';

type NetworkParams = { Params: { network: string } };
type AccessParams = { Params: { network: string; project: string } };

const createBody = z
  .object({
    owner: z.string().min(1),
    // HIL took one project or "" (public); a list is accepted too.
    access: z.union([z.string(), z.array(z.string().min(1))]).default(''),
    net_id: z.union([z.string().regex(/^[0-9]*$/, 'expected "" or a VLAN id'), z.number().int()]).default(''),
  })
  .strict();

const channels = (vlan: number) => ['vlan/native', `vlan/${vlan}`];

export function networkRoutes(app: FastifyInstance, deps: HilDeps): void {
  const { db } = deps;

  app.get('/networks', async (request) => {
    const caller = callerOf(request);
    const networks = await listNetworks(db);
    // Administrators see every network; others the public ones.
    const visible = caller.isAdmin ? networks : networks.filter((n) => n.public);
    return Object.fromEntries(visible.map((n) => [n.name, { network_id: String(n.vlan), projects: n.public ? null : n.access }]));
  });

  app.put<NetworkParams>('/network/:network', AUDIT_IN_CHANGE, async (request, reply) => {
    const caller = callerOf(request);
    const body = parseBody(createBody, request.body);
    const access = (Array.isArray(body.access) ? body.access : [body.access]).filter((p) => p !== '');
    const netId = body.net_id === '' ? null : Number(body.net_id);
    await auditedChange(request, async (trx) => {
      if (await trx.selectFrom('networks').select('id').where('name', '=', request.params.network).executeTakeFirst()) {
        throw new DuplicateError(`Network ${request.params.network} already exists.`);
      }
      if (body.owner === 'admin') {
        requireAdmin(caller);
      } else {
        await getProject(trx, body.owner);
        requireProjectAccess(caller, body.owner);
        if (access.length !== 1 || access[0] !== body.owner) throw new BadArgumentError('Project-owned networks must be accessible by the owner.');
        if (netId !== null) throw new BadArgumentError('Project-owned networks must use network ID allocation');
      }
      await createNetwork(trx, { lab: deps.lab, name: request.params.network, owner: body.owner === 'admin' ? null : body.owner, access, vlan: netId });
    });
    return reply.send();
  });

  app.get<NetworkParams>('/network/:network', async (request) => {
    const caller = callerOf(request);
    const network = await showNetwork(db, request.params.network);
    if (!network.public && !network.access.some((p) => haveProjectAccess(caller, p))) throw new AuthorizationError('You do not have access to this network.');
    const ownerAccess = haveProjectAccess(caller, network.owner);
    const connected: Record<string, string[]> = {};
    for (const a of network.attachments) {
      // A project sees its own nodes on a shared network; the owner sees all.
      if (ownerAccess || haveProjectAccess(caller, a.project)) (connected[a.node] ??= []).push(a.nic);
    }
    return {
      name: network.name,
      channels: channels(network.vlan),
      owner: network.owner ?? 'admin',
      access: network.public ? null : network.access,
      'connected-nodes': connected,
    };
  });

  app.delete<NetworkParams>('/network/:network', AUDIT_IN_CHANGE, async (request, reply) => {
    await auditedChange(request, async (trx) => {
      await requireNoHeadnodes(trx, { network: request.params.network });
      await deleteNetwork(trx, request.params.network, (owner) => requireProjectAccess(callerOf(request), owner));
    });
    return reply.send();
  });

  app.get<NetworkParams & { Querystring: { project?: string } }>('/network/:network/attachments', async (request) => {
    const caller = callerOf(request);
    const bodyProject = (request.body as { project?: unknown } | undefined)?.project;
    const project = request.query.project ?? (typeof bodyProject === 'string' ? bodyProject : undefined);
    const network = await showNetwork(db, request.params.network);
    const ownerAccess = haveProjectAccess(caller, network.owner);
    if (project === undefined) {
      if (!ownerAccess) throw new AuthorizationError("Operation requires admin rights or access to network's owning project");
    } else {
      await getProject(db, project);
      if (!ownerAccess && !(network.access.includes(project) && haveProjectAccess(caller, project))) {
        throw new AuthorizationError('You do not have access to this project.');
      }
    }
    const nodes: Record<string, { nic: string; channel: string; project: string | null }> = {};
    for (const a of network.attachments) if (project === undefined || a.project === project) nodes[a.node] = { nic: a.nic, channel: a.channel, project: a.project };
    return nodes;
  });

  app.put<AccessParams>('/network/:network/access/:project', AUDIT_IN_CHANGE, async (request, reply) => {
    await auditedChange(request, (trx) => grantNetworkAccess(trx, request.params.network, request.params.project, (owner) => requireProjectAccess(callerOf(request), owner)));
    return reply.send();
  });

  app.delete<AccessParams>('/network/:network/access/:project', AUDIT_IN_CHANGE, async (request, reply) => {
    const caller = callerOf(request);
    const project = request.params.project;
    await auditedChange(request, (trx) =>
      revokeNetworkAccess(trx, request.params.network, project, ({ owner, access }) => {
        // HIL: an administrator, the owner, or the project giving up its own access.
        if (caller.isAdmin || (owner !== null && haveProjectAccess(caller, owner)) || (access.includes(project) && haveProjectAccess(caller, project))) return;
        throw new AuthorizationError('You are not authorized to remove the specified project from this network.');
      }),
    );
    return reply.send();
  });
}
