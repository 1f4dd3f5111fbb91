import type { FastifyInstance } from 'fastify';
import { switchDrivers } from '../../../drivers/switch/drivers';
import { callerOf, requireAdmin } from '../auth';

// HIL's module name for each switch type laas drives (M hil/ext/switches/*.py).
const SWITCH_MODULES: Record<string, string> = {
  nxos: 'hil.ext.switches.nexus',
  ovs: 'hil.ext.switches.ovs',
  delln3000: 'hil.ext.switches.n3000',
  powerconnect55xx: 'hil.ext.switches.dell',
  dellnos9: 'hil.ext.switches.dellnos9',
  brocade: 'hil.ext.switches.brocade',
};

/**
 * `GET /active_extensions` (M hil/api.py:1323-1329): the HIL extension names of what this server
 * implements, sorted, for administrators. Switch drivers are listed only when laas has the driver.
 */
export function activeExtensions(): string[] {
  const names = [
    'hil.ext.auth.database',
    'hil.ext.network_allocators.vlan_pool',
    'hil.ext.obm.ipmi',
    'hil.ext.obm.mock',
    'hil.ext.switches.mock',
    ...Object.entries(SWITCH_MODULES).filter(([type]) => type in switchDrivers).map(([, module]) => module),
  ];
  return [...new Set(names)].sort();
}

export function extensionRoutes(app: FastifyInstance): void {
  app.get('/active_extensions', async (request) => {
    requireAdmin(callerOf(request));
    return Promise.resolve(activeExtensions());
  });
}
