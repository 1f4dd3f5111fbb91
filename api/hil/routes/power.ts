import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { IllegalStateError } from '../../../db/errors';
import { hostProject } from '../../../db/holdings';
import { getHost } from '../../../db/hosts';
import { DeviceError } from '../../../drivers/errors';
import type { BmcTarget, PowerDriver } from '../../../drivers/power/power';
import type { PowerCall, PowerOutcome } from '../../../workflows/power-action';
import { callerOf, requireProjectAccess } from '../auth';
import { parseBody } from '../body';
import type { HilDeps } from '../deps';
import { bmcTargetOf, requireObmEnabled } from '../obm';

type NodeParams = { Params: { node: string } };
type Action = { action: 'on' | 'off' | 'cycle' | 'status' } | { action: 'bootdev'; device: 'pxe' | 'disk' };
const cycleBody = z.object({ force: z.boolean().optional() }).strict();
const noBody = z.object({}).strict();
const bootBody = z.object({ bootdev: z.enum(['pxe', 'disk', 'none']) }).strict();

/** An API built with no way to reach BMCs (neither a worker nor an in-process driver). */
export class PowerNotAvailableHere extends DeviceError {
  constructor() {
    super('PowerNotAvailableHere', "power control is not available: this API has no connection to the lab's worker", false);
  }
}

/**
 * Power and boot device. BMCs are reached only by the lab's worker, so each call runs there as a
 * short workflow that the request waits for; tests may inject an in-process driver instead.
 */
export function powerRoutes(app: FastifyInstance, deps: HilDeps): void {
  const { db } = deps;

  /** HIL's order: the node must exist, then the caller must have its project (a free node: administrators only). */
  async function onBmc(request: FastifyRequest, name: string, action: Action): Promise<PowerOutcome> {
    const host = await getHost(db, name);
    requireProjectAccess(callerOf(request), await hostProject(db, host.id));
    requireObmEnabled(host);
    if (!host.bmc_type || !host.bmc_address || !host.bmc_credential) throw new IllegalStateError(`Node ${name} has no BMC registered`, { node: name });
    const call: PowerCall = { node: host.name, ...action };
    const here = deps.power?.(host.bmc_type);
    if (here) return inProcess(here, await bmcTargetOf(db, deps.keyring, host), call);
    if (deps.powerCall) return deps.powerCall(call);
    throw new PowerNotAvailableHere();
  }

  /** The same call with a driver of this process: the API reads the BMC's credentials itself. */
  async function inProcess(driver: PowerDriver, bmc: BmcTarget, call: PowerCall): Promise<PowerOutcome> {
    switch (call.action) {
      case 'status':
        return { power: await driver.status(bmc) };
      case 'on':
        await driver.on(bmc);
        break;
      case 'off':
        await driver.off(bmc);
        break;
      case 'cycle':
        await driver.cycle(bmc);
        break;
      case 'bootdev':
        await driver.setBootDevice(bmc, call.device, { persistent: true });
        break;
    }
    return { power: null };
  }

  app.post<NodeParams>('/node/:node/power_cycle', async (request, reply) => {
    parseBody(cycleBody, request.body);
    // Both HIL variants end with the node on; the driver's cycle powers on a node that is off.
    await onBmc(request, request.params.node, { action: 'cycle' });
    return reply.send();
  });

  app.post<NodeParams>('/node/:node/power_on', async (request, reply) => {
    parseBody(noBody, request.body);
    await onBmc(request, request.params.node, { action: 'on' });
    return reply.send();
  });

  app.post<NodeParams>('/node/:node/power_off', async (request, reply) => {
    parseBody(noBody, request.body);
    await onBmc(request, request.params.node, { action: 'off' });
    return reply.send();
  });

  app.get<NodeParams>('/node/:node/power_status', async (request) => {
    const { power } = await onBmc(request, request.params.node, { action: 'status' });
    return { power_status: power };
  });

  app.put<NodeParams>('/node/:node/boot_device', async (request, reply) => {
    const { bootdev } = parseBody(bootBody, request.body);
    // "none" drops the override: the node boots as it normally does, from disk.
    await onBmc(request, request.params.node, { action: 'bootdev', device: bootdev === 'pxe' ? 'pxe' : 'disk' });
    return reply.send();
  });
}
