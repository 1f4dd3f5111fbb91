import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadArgumentError } from '../../../db/errors';
import {
  connectHnic, createHeadnode, createHnic, deleteHeadnodeRecord, deleteHnic, detachHnic, freezeHeadnode, getHeadnode, listHnics, projectHeadnodes,
} from '../../../db/hil-headnodes';
import { getProject } from '../../../db/projects';
import type { HeadnodeDriver } from '../../../drivers/headnode/headnode';
import { callerOf, requireProjectAccess } from '../auth';
import { parseBody } from '../body';
import type { HilDeps } from '../deps';
import { AUDIT_IN_CHANGE, auditedChange } from '../../audit';

/** The libvirt driver's calls HIL's headnodes need: create (define and boot), get, stop, destroy. */
export type HilHeadnodeDriver = HeadnodeDriver & { stop(name: string): Promise<void> };

export interface HilHeadnodes {
  driver: HilHeadnodeDriver;
  /** HIL's `[headnode] base_imgs`: the base images a headnode may be made from. */
  images: string[];
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
 * HIL's 11 headnode calls (hil-clients.md §7) on laas's headnode driver. The records (project,
 * hnics, their networks) are kept here; the VM is defined and booted on the first start with one
 * NIC per connected hnic on its network's VLAN, after which the headnode is frozen.
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
  const images = () => [...service().images].sort();

  app.get('/headnode_images', async (request) => (callerOf(request), Promise.resolve(images())));
  app.get('/headnode_images/', async (request) => (callerOf(request), Promise.resolve(images())));

  app.put<HnParams>('/headnode/:headnode', AUDIT_IN_CHANGE, async (request, reply) => {
    const { project, base_img } = parseBody(createBody, request.body);
    requireProjectAccess(callerOf(request), (await getProject(db, project)).name);
    if (!service().images.includes(base_img)) throw new BadArgumentError('Provided image is not a valid image.', { what: 'base_img' });
    await auditedChange(request, (trx) => createHeadnode(trx, request.params.headnode, project, base_img));
    return reply.send();
  });

  app.get<HnParams>('/headnode/:headnode', async (request) => {
    const h = await member(request, request.params.headnode);
    const vm = await service().driver.get(headnodeDomain(h.name));
    const hnics = await listHnics(db, h.id);
    return { name: h.name, project: h.project, hnics: hnics.map((n) => n.label), vncport: vm?.console?.port ?? null, uuid: h.uuid, base_img: h.base_img };
  });

  app.get<{ Params: { project: string } }>('/project/:project/headnodes', async (request) => {
    requireProjectAccess(callerOf(request), (await getProject(db, request.params.project)).name);
    return projectHeadnodes(db, request.params.project);
  });

  app.delete<HnParams>('/headnode/:headnode', async (request, reply) => {
    const h = await member(request, request.params.headnode);
    await service().driver.destroy(headnodeDomain(h.name));
    await deleteHeadnodeRecord(db, h.id);
    return reply.send();
  });

  app.post<HnParams>('/headnode/:headnode/start', async (request, reply) => {
    parseBody(emptyBody, request.body);
    const h = await member(request, request.params.headnode);
    const { driver, vcpus, memoryMiB } = service();
    const networks = (await listHnics(db, h.id)).flatMap((n) => (n.network !== null && n.vlan !== null ? [{ name: n.label, vlan: n.vlan }] : []));
    if (networks.length === 0) throw new BadArgumentError(`Headnode ${h.name} has no hnic connected to a network.`, { headnode: h.name });
    // Defines and boots the VM the first time; afterwards boots the VM as it was defined.
    await driver.create({ name: headnodeDomain(h.name), baseImage: h.base_img, vcpus: vcpus ?? 1, memoryMiB: memoryMiB ?? 512, networks });
    await freezeHeadnode(db, h.id);
    return reply.send();
  });

  app.post<HnParams>('/headnode/:headnode/stop', async (request, reply) => {
    parseBody(emptyBody, request.body);
    const h = await member(request, request.params.headnode);
    await service().driver.stop(headnodeDomain(h.name));
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
