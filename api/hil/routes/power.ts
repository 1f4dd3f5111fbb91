import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { getCredential } from '../../../db/credentials';
import { IllegalStateError } from '../../../db/errors';
import { hostProject } from '../../../db/holdings';
import { getHost } from '../../../db/hosts';
import type { BmcTarget, PowerDriver } from '../../../drivers/power/power';
import { callerOf, requireProjectAccess } from '../auth';
import { parseBody } from '../body';
import type { HilDeps } from '../deps';

type NodeParams = { Params: { node: string } };
const cycleBody = z.object({ force: z.boolean().optional() }).strict();
const noBody = z.object({}).strict();
const bootBody = z.object({ bootdev: z.enum(['pxe', 'disk', 'none']) }).strict();

/** Power and boot device, delegated to the power driver of the node's BMC type. */
export function powerRoutes(app: FastifyInstance, deps: HilDeps): void {
  const { db } = deps;

  /** HIL's order: the node must exist, then the caller must have its project (a free node: administrators only). */
  async function bmcOf(request: Parameters<typeof callerOf>[0], name: string): Promise<{ driver: PowerDriver; bmc: BmcTarget }> {
    const host = await getHost(db, name);
    requireProjectAccess(callerOf(request), await hostProject(db, host.id));
    if (!host.bmc_type || !host.bmc_address || !host.bmc_credential) throw new IllegalStateError(`Node ${name} has no BMC registered`, { node: name });
    const credential = await getCredential(db, deps.keyring, host.bmc_credential);
    return {
      driver: deps.power(host.bmc_type),
      bmc: { host: host.name, address: host.bmc_address, port: host.bmc_port ?? 623, username: credential.username, password: credential.password },
    };
  }

  app.post<NodeParams>('/node/:node/power_cycle', async (request, reply) => {
    parseBody(cycleBody, request.body);
    const { driver, bmc } = await bmcOf(request, request.params.node);
    // Both HIL variants end with the node on; the driver's cycle powers on a node that is off.
    await driver.cycle(bmc);
    return reply.send();
  });

  app.post<NodeParams>('/node/:node/power_on', async (request, reply) => {
    parseBody(noBody, request.body);
    const { driver, bmc } = await bmcOf(request, request.params.node);
    await driver.on(bmc);
    return reply.send();
  });

  app.post<NodeParams>('/node/:node/power_off', async (request, reply) => {
    parseBody(noBody, request.body);
    const { driver, bmc } = await bmcOf(request, request.params.node);
    await driver.off(bmc);
    return reply.send();
  });

  app.get<NodeParams>('/node/:node/power_status', async (request) => {
    const { driver, bmc } = await bmcOf(request, request.params.node);
    return { power_status: await driver.status(bmc) };
  });

  app.put<NodeParams>('/node/:node/boot_device', async (request, reply) => {
    const { bootdev } = parseBody(bootBody, request.body);
    const { driver, bmc } = await bmcOf(request, request.params.node);
    // "none" drops the override: the node boots as it normally does, from disk.
    await driver.setBootDevice(bmc, bootdev === 'pxe' ? 'pxe' : 'disk', { persistent: true });
    return reply.send();
  });
}
