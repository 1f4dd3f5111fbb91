import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadArgumentError } from '../../../db/errors';
import {
  connectHnic, createHeadnode, createHnic, deleteHeadnodeRecord, deleteHnic, detachHnic, freezeHeadnode, getHeadnode, listHnics, projectHeadnodes,
} from '../../../db/hil-headnodes';
import { getProject } from '../../../db/projects';
import type { HeadnodeCall, HeadnodeOutcome } from '../../../workflows/hil-device-calls';
import { callerOf, requireProjectAccess } from '../auth';
import { parseBody } from '../body';
import type { HilDeps } from '../deps';
import { AUDIT_IN_CHANGE, auditedChange } from '../../audit';

/** HIL's headnodes on the lab's hypervisor, which only the lab's worker reaches. */
export interface HilHeadnodes {
  /** Runs one call on the lab's headnode driver (a short workflow on the lab's worker). */
  call(call: HeadnodeCall): Promise<HeadnodeOutcome>;
  vcpus?: number;
  memoryMiB?: number;
}

type HnParams = { Params: { headnode: string } };
type HnicParams = { Params: { headnode: string; hnic: string } };
const createBody = z.object({ project: z.string().min(1), base_img: z.string().min(1) }).strict();
const emptyBody = z.object({}).strict();
const connectBody = z.object({ network: z.string().min(1) }).strict();

/** The libvirt domain of a HIL headnode. */
export const headnodeDomain = (name: string) => `hil-${name}`;

/**
 * HIL's 11 headnode calls (hil-clients.md §7) on laas's headnode driver, run by the lab's worker.
 * The records (project, hnics, their networks) are kept here; the VM is defined and booted on the
 * first start with one NIC per connected hnic on its network's VLAN, after which the headnode is frozen.
 * HIL's `base_imgs` are the images the hypervisor has.
 */
export function headnodeRoutes(app: FastifyInstance, deps: HilDeps): void {
  const { db } = deps;
  const service = (): HilHeadnodes => {
    if (!deps.headnodes) throw new BadArgumentError('headnodes are not available: this API has no headnode hypervisor configured');
    return deps.headnodes;
  };
  const member = async (request: FastifyRequest, name: string) => {
    const h = await getHeadnode(db, name);
    requireProjectAccess(callerOf(request), h.project);
    return h;
  };
  const images = async () => [...((await service().call({ action: 'images' })).images ?? [])].sort();

  app.get('/headnode_images', async (request) => (callerOf(request), images()));
  app.get('/headnode_images/', async (request) => (callerOf(request), images()));

  app.put<HnParams>('/headnode/:headnode', AUDIT_IN_CHANGE, async (request, reply) => {
    const { project, base_img } = parseBody(createBody, request.body);
    requireProjectAccess(callerOf(request), (await getProject(db, project)).name);
    if (!(await images()).includes(base_img)) throw new BadArgumentError('Provided image is not a valid image.', { what: 'base_img' });
    await auditedChange(request, (trx) => createHeadnode(trx, request.params.headnode, project, base_img));
    return reply.send();
  });

  app.get<HnParams>('/headnode/:headnode', async (request) => {
    const h = await member(request, request.params.headnode);
    const { vncport } = await service().call({ action: 'get', name: headnodeDomain(h.name) });
    const hnics = await listHnics(db, h.id);
    return { name: h.name, project: h.project, hnics: hnics.map((n) => n.label), vncport: vncport ?? null, uuid: h.uuid, base_img: h.base_img };
  });

  app.get<{ Params: { project: string } }>('/project/:project/headnodes', async (request) => {
    requireProjectAccess(callerOf(request), (await getProject(db, request.params.project)).name);
    return projectHeadnodes(db, request.params.project);
  });

  app.delete<HnParams>('/headnode/:headnode', async (request, reply) => {
    const h = await member(request, request.params.headnode);
    await service().call({ action: 'destroy', name: headnodeDomain(h.name) });
    await deleteHeadnodeRecord(db, h.id);
    return reply.send();
  });

  app.post<HnParams>('/headnode/:headnode/start', async (request, reply) => {
    parseBody(emptyBody, request.body);
    const h = await member(request, request.params.headnode);
    const { vcpus, memoryMiB } = service();
    const networks = (await listHnics(db, h.id)).flatMap((n) => (n.network !== null && n.vlan !== null ? [{ name: n.label, vlan: n.vlan }] : []));
    if (networks.length === 0) throw new BadArgumentError(`Headnode ${h.name} has no hnic connected to a network.`, { headnode: h.name });
    // Defines and boots the VM the first time; afterwards boots the VM as it was defined.
    await service().call({ action: 'create', name: headnodeDomain(h.name), baseImage: h.base_img, vcpus: vcpus ?? 1, memoryMiB: memoryMiB ?? 512, networks });
    await freezeHeadnode(db, h.id);
    return reply.send();
  });

  app.post<HnParams>('/headnode/:headnode/stop', async (request, reply) => {
    parseBody(emptyBody, request.body);
    const h = await member(request, request.params.headnode);
    await service().call({ action: 'stop', name: headnodeDomain(h.name) });
    return reply.send();
  });

  app.put<HnicParams>('/headnode/:headnode/hnic/:hnic', AUDIT_IN_CHANGE, async (request, reply) => {
    parseBody(emptyBody, request.body);
    await member(request, request.params.headnode);
    await auditedChange(request, (trx) => createHnic(trx, request.params.headnode, request.params.hnic));
    return reply.send();
  });

  app.delete<HnicParams>('/headnode/:headnode/hnic/:hnic', AUDIT_IN_CHANGE, async (request, reply) => {
    await member(request, request.params.headnode);
    await auditedChange(request, (trx) => deleteHnic(trx, request.params.headnode, request.params.hnic));
    return reply.send();
  });

  app.post<HnicParams>('/headnode/:headnode/hnic/:hnic/connect_network', AUDIT_IN_CHANGE, async (request, reply) => {
    const { network } = parseBody(connectBody, request.body);
    await member(request, request.params.headnode);
    await auditedChange(request, (trx) => connectHnic(trx, request.params.headnode, request.params.hnic, network));
    return reply.send();
  });

  app.post<HnicParams>('/headnode/:headnode/hnic/:hnic/detach_network', AUDIT_IN_CHANGE, async (request, reply) => {
    parseBody(emptyBody, request.body);
    await member(request, request.params.headnode);
    await auditedChange(request, (trx) => detachHnic(trx, request.params.headnode, request.params.hnic));
    return reply.send();
  });
}
