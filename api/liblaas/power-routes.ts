import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { runPowerCall, PowerCallFailed } from '../power-actions';
import { readCatalog } from './catalog';
import { LiblaasJsonError, parseBody, type LiblaasContext } from './context';
import { resolveInstance } from './instances';

const setPowerBody = z.object({
  command: z.enum(['PowerOn', 'PowerOff', 'Restart']),
  timeout_config: z.object({ max_retries: z.number().int().optional(), retry_interval: z.number().int().optional(), timeout_duration: z.number().int().optional() }).partial().nullish(),
});

const ACTION = { PowerOn: 'on', PowerOff: 'off', Restart: 'cycle' } as const;

/** booking/ipmi/{instance}/setpower|powerstatus|getfqdn (§2.4-2.6): laas's power workflow, the one HIL's power calls use. */
export function powerRoutes(app: FastifyInstance, ctx: LiblaasContext): void {
  async function power(host: string, action: 'on' | 'off' | 'cycle' | 'status') {
    try {
      return await runPowerCall(ctx.temporal, ctx.taskQueue, { node: host, action });
    } catch (err) {
      if (err instanceof PowerCallFailed) throw new LiblaasJsonError(500, `IPMI operation failed: ${err.message}`);
      throw err;
    }
  }

  app.post<{ Params: { instance: string } }>('/booking/ipmi/:instance/setpower', async (request) => {
    const body = parseBody(setPowerBody, request.body);
    const { host } = await resolveInstance(ctx, request.params.instance, { active: true });
    await power(host, ACTION[body.command]);
    // A restart leaves the host on: answered as such (liblaas's own Restart always timed out, §5.4).
    return { power_state: body.command === 'PowerOff' ? 'Off' : 'On' };
  });

  app.get<{ Params: { instance: string } }>('/booking/ipmi/:instance/powerstatus', async (request) => {
    const { host } = await resolveInstance(ctx, request.params.instance, { active: true });
    const outcome = await power(host, 'status');
    return { power_state: outcome.power === 'on' ? 'On' : outcome.power === 'off' ? 'Off' : 'Unknown' };
  });

  app.get<{ Params: { instance: string } }>('/booking/ipmi/:instance/getfqdn', async (request) => {
    const { host } = await resolveInstance(ctx, request.params.instance, { active: false });
    const catalog = await readCatalog(ctx.db, ctx.lab.name);
    return { ipmi_fqdn: catalog.hosts.find((h) => h.name === host)?.bmcAddress ?? '' };
  });
}
