import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { deleteCredential, setCredential } from '../../../db/credentials';
import { BadArgumentError } from '../../../db/errors';
import { hostProject } from '../../../db/holdings';
import { deleteHost, deleteHostMetadata, getHost, listHostNames, registerHost, setHostMetadata, showHost, type BmcType } from '../../../db/hosts';
import { getNetworkAction, requestConnectNetwork, requestDetachNetwork } from '../../../db/network-actions';
import { deleteNic, registerNic } from '../../../db/nics';
import { callerOf, requireAdmin, requireProjectAccess } from '../auth';
import { parseBody, parseValidated } from '../body';
import type { HilDeps } from '../deps';
import { AUDIT_IN_CHANGE, auditedChange } from '../../audit';
import { obmdAddress, obmdCredentialName, sealObmd, setObmEnabled } from '../obm';

type NodeParams = { Params: { node: string } };
type NicParams = { Params: { node: string; nic: string } };

const ipmiObm = z.object({
  type: z.string().min(1),
  host: z.string().min(1),
  user: z.string().min(1),
  password: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
});
// HIL 0.3 sent the BMC itself ("obm"); HIL >= 0.4 sends the node's obmd URL and admin token ("obmd").
const ipmiBody = z.object({ obm: ipmiObm, metadata: z.record(z.string(), z.unknown()).optional() }).strict();
const obmdBody = z.object({ obmd: z.object({ uri: z.string().min(1), admin_token: z.string().min(1) }).strict(), metadata: z.record(z.string(), z.unknown()).optional() }).strict();
const obmBody = z.object({ enabled: z.boolean() }).strict();
const nicBody = z.object({ macaddr: z.string().min(1) }).strict();
const connectBody = z.object({ network: z.string().min(1), channel: z.string().min(1).optional() }).strict();
const detachBody = z.object({ network: z.string().min(1) }).strict();
const metadataBody = z.object({ value: z.unknown() }).strict().refine((b) => 'value' in b, { message: 'value is required', path: ['value'] });

/** Our BMC type for HIL's OBM type names and URIs. */
export function bmcType(type: string): BmcType {
  if (type === 'ipmi' || type.endsWith('/obm/ipmi')) return 'ipmi';
  if (type === 'sim' || type.endsWith('/obm/mock')) return 'sim';
  throw new BadArgumentError(`${JSON.stringify(type)} is not a valid OBM type.`, { what: 'obm.type' });
}

export const bmcCredentialName = (node: string) => `bmc/${node}`;

export function nodeRoutes(app: FastifyInstance, deps: HilDeps): void {
  const { db } = deps;

  app.get<{ Params: { which: string } }>('/nodes/:which', async (request) => {
    callerOf(request);
    // HIL: "free" lists free nodes, any other word lists all of them.
    return listHostNames(db, request.params.which === 'free' ? 'free' : 'all');
  });

  app.put<NodeParams>('/node/:node', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    const raw = request.body as Record<string, unknown> | undefined;
    const body = raw && typeof raw === 'object' && 'obmd' in raw ? parseValidated(obmdBody, raw) : parseBody(ipmiBody, raw);
    const name = request.params.node;
    await auditedChange(request, async (trx) => {
      if ('obmd' in body) {
        const where = obmdAddress(body.obmd.uri);
        const credential = obmdCredentialName(name);
        const host = await registerHost(trx, { lab: deps.lab, name, metadata: body.metadata ?? {}, bmc: { type: 'obmd', ...where, credential } });
        await sealObmd(trx, deps.keyring, name, body.obmd.uri, body.obmd.admin_token);
        // As HIL: a node registered with obmd starts with its OBM disabled.
        await trx.updateTable('hosts').set({ obm_enabled: false }).where('id', '=', host.id).execute();
        return;
      }
      const { obm } = body;
      const credential = bmcCredentialName(name);
      await registerHost(trx, { lab: deps.lab, name, metadata: body.metadata ?? {}, bmc: { type: bmcType(obm.type), address: obm.host, port: obm.port ?? 623, credential } });
      await setCredential(trx, deps.keyring, credential, { username: obm.user, password: obm.password });
    });
    return reply.send();
  });

  app.put<NodeParams>('/node/:node/obm', async (request, reply) => {
    const caller = callerOf(request);
    const host = await getHost(db, request.params.node);
    requireProjectAccess(caller, await hostProject(db, host.id));
    const { enabled } = parseValidated(obmBody, request.body);
    await setObmEnabled(db, host, enabled, deps.obmCall);
    if (!enabled) await deps.consoles?.stop(host.name);
    return reply.send();
  });

  app.get<NodeParams>('/node/:node', async (request) => {
    const caller = callerOf(request);
    const node = await showHost(db, request.params.node);
    if (node.project !== null) requireProjectAccess(caller, node.project);
    return {
      name: node.name,
      project: node.project,
      // HIL shows where a NIC is cabled to administrators only.
      nics: node.nics.map((n) => (caller.isAdmin ? n : { label: n.label, macaddr: n.macaddr, networks: n.networks })),
      // HIL stored and returned each metadata value JSON-encoded.
      metadata: Object.fromEntries(Object.entries(node.metadata).map(([k, v]) => [k, JSON.stringify(v)])),
    };
  });

  app.delete<NodeParams>('/node/:node', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    const captured = await deps.consoles?.has(request.params.node);
    await auditedChange(request, async (trx) => {
      const { bmcCredential } = await deleteHost(trx, request.params.node);
      if (bmcCredential && [bmcCredentialName(request.params.node), obmdCredentialName(request.params.node)].includes(bmcCredential)) await deleteCredential(trx, bmcCredential);
    });
    // The log went with the node; its capture ends too.
    if (captured) await deps.consoles?.stop(request.params.node, { logGone: true });
    return reply.send();
  });

  app.put<NicParams>('/node/:node/nic/:nic', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    const { macaddr } = parseBody(nicBody, request.body);
    await auditedChange(request, (trx) => registerNic(trx, request.params.node, request.params.nic, { mac: macaddr }));
    return reply.send();
  });

  app.delete<NicParams>('/node/:node/nic/:nic', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    await auditedChange(request, (trx) => deleteNic(trx, request.params.node, request.params.nic));
    return reply.send();
  });

  const accepted = async (request: FastifyRequest, reply: FastifyReply, statusId: string) => {
    try {
      await deps.onNetworkAction?.(statusId);
    } catch (err) {
      // Recorded is what counts: the action stays PENDING and is picked up again from the table.
      request.log.error({ statusId, msg: (err as Error).message }, 'could not hand the networking action on');
    }
    return reply.status(202).send({ status_id: statusId });
  };

  // The action is recorded with its audit row first; the workflow that carries it out starts after the commit.
  app.post<NicParams>('/node/:node/nic/:nic/connect_network', AUDIT_IN_CHANGE, async (request, reply) => {
    const body = parseBody(connectBody, request.body);
    const id = await auditedChange(
      request,
      (trx) => requestConnectNetwork(trx, { node: request.params.node, nic: request.params.nic, network: body.network, channel: body.channel }, (project) => requireProjectAccess(callerOf(request), project)),
      202,
    );
    return accepted(request, reply, id);
  });

  app.post<NicParams>('/node/:node/nic/:nic/detach_network', AUDIT_IN_CHANGE, async (request, reply) => {
    const body = parseBody(detachBody, request.body);
    const id = await auditedChange(
      request,
      (trx) => requestDetachNetwork(trx, { node: request.params.node, nic: request.params.nic, network: body.network }, (project) => requireProjectAccess(callerOf(request), project)),
      202,
    );
    return accepted(request, reply, id);
  });

  app.get<{ Params: { id: string } }>('/networking_action/:id', async (request) => {
    callerOf(request);
    return getNetworkAction(db, request.params.id);
  });

  app.put<{ Params: { node: string; label: string } }>('/node/:node/metadata/:label', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    const { value } = parseBody(metadataBody, request.body);
    await auditedChange(request, (trx) => setHostMetadata(trx, request.params.node, request.params.label, value));
    return reply.send();
  });

  app.delete<{ Params: { node: string; label: string } }>('/node/:node/metadata/:label', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    await auditedChange(request, (trx) => deleteHostMetadata(trx, request.params.node, request.params.label));
    return reply.send();
  });
}
