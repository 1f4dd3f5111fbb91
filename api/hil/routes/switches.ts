import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { deleteCredential, setCredential } from '../../../db/credentials';
import { BadArgumentError, NotFoundError } from '../../../db/errors';
import { requestPortRevert } from '../../../db/network-actions';
import { connectNic, deletePort, deleteSwitch, detachNic, getSwitch, listPorts, listSwitches, registerPort, registerSwitch, showPort, switchType } from '../../../db/switches';
import { callerOf, requireAdmin } from '../auth';
import { parseBody } from '../body';
import { hilSwitchReach } from '../switch-fields';
import type { HilDeps } from '../deps';
import { AUDIT_IN_CHANGE, auditedChange } from '../../audit';
import { switchDrivers } from '../../../drivers/switch/drivers';

type SwitchParams = { Params: { switch: string } };
type PortParams = { Params: { switch: string; '*': string } };

// Driver fields HIL's switch types took; whatever is secret is sealed with the username, the rest kept as options.
const registerBody = z
  .object({
    type: z.string().min(1),
    hostname: z.string().min(1).optional(),
    address: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean()]));
const SECRET_FIELD = /pass|secret|token|key/i;
const connectBody = z.object({ node: z.string().min(1), nic: z.string().min(1) }).strict();

// HIL's capabilities per driver: those that can leave a trunk port without a native VLAN.
const CAPABILITIES: Record<string, string[]> = { nxos: ['nativeless-trunk-mode'], delln3000: ['nativeless-trunk-mode'], powerconnect55xx: ['nativeless-trunk-mode'], ovs: ['nativeless-trunk-mode'], sim: ['nativeless-trunk-mode'] };

export const switchCredentialName = (name: string) => `switch/${name}`;

export function switchRoutes(app: FastifyInstance, deps: HilDeps): void {
  const { db } = deps;

  app.get('/switches', async (request) => {
    requireAdmin(callerOf(request));
    return (await listSwitches(db)).map((s) => s.name);
  });

  app.put<SwitchParams>('/switch/:switch', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    const { type, hostname, address, port, username, password, ...rest } = parseBody(registerBody, request.body);
    const resolved = switchType(type);
    if (resolved !== 'sim' && !(resolved in switchDrivers)) {
      throw new BadArgumentError(`${JSON.stringify(type)} is not a valid switch type: laas has no ${resolved} driver yet (it drives ${[...Object.keys(switchDrivers), 'sim'].join(', ')})`, { what: 'type' });
    }
    // HIL's fields per type; a REST switch's hostname is its server's base URL.
    const reach = hilSwitchReach(resolved, { hostname, username, password, ...rest });
    // HIL's OVS ran on HIL's own host and took a bridge name only; the simulated switch needs no address.
    const where = reach.address ?? hostname ?? address ?? (resolved === 'sim' ? `sim://switch/${request.params.switch}` : resolved === 'ovs' && rest.ovs_bridge !== undefined ? 'localhost' : undefined);
    if (!where) throw new BadArgumentError('hostname: the switch management address is required', { what: 'hostname' });
    const secrets: Record<string, string> = {};
    const options: Record<string, string> = { ...reach.options };
    for (const [k, v] of Object.entries(rest)) (SECRET_FIELD.test(k) ? secrets : options)[k] = String(v);
    const credential = username || password || Object.keys(secrets).length ? switchCredentialName(request.params.switch) : null;
    await auditedChange(request, async (trx) => {
      await registerSwitch(trx, { lab: deps.lab, name: request.params.switch, type: resolved, address: where, port: reach.port ?? port ?? null, options, credential });
      if (credential) await setCredential(trx, deps.keyring, credential, { ...secrets, username: username ?? '', password: password ?? '' });
    });
    return reply.send();
  });

  app.get<SwitchParams>('/switch/:switch', async (request) => {
    requireAdmin(callerOf(request));
    const sw = await getSwitch(db, request.params.switch);
    return { name: sw.name, ports: (await listPorts(db, sw.name)).map((label) => ({ label })), capabilities: CAPABILITIES[sw.type] ?? [] };
  });

  app.delete<SwitchParams>('/switch/:switch', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    await auditedChange(request, async (trx) => {
      const { credential } = await deleteSwitch(trx, request.params.switch);
      if (credential === switchCredentialName(request.params.switch)) await deleteCredential(trx, credential);
    });
    return reply.send();
  });

  // Port labels contain slashes (Ethernet1/34), so the port is the rest of the path; POSTs end in an action.
  app.put<PortParams>('/switch/:switch/port/*', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    const label = request.params['*'];
    if (deps.validatePort) {
      const sw = await getSwitch(db, request.params.switch);
      try {
        deps.validatePort(sw.type, label);
      } catch (err) {
        throw new BadArgumentError(`port ${JSON.stringify(label)} is not valid on a ${sw.type} switch: ${(err as Error).message}`, { what: 'port' });
      }
    }
    await auditedChange(request, (trx) => registerPort(trx, request.params.switch, label));
    return reply.send();
  });

  app.delete<PortParams>('/switch/:switch/port/*', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    await auditedChange(request, (trx) => deletePort(trx, request.params.switch, request.params['*']));
    return reply.send();
  });

  app.get<PortParams>('/switch/:switch/port/*', async (request) => {
    requireAdmin(callerOf(request));
    return showPort(db, request.params.switch, request.params['*']);
  });

  app.post<PortParams>('/switch/:switch/port/*', AUDIT_IN_CHANGE, async (request, reply) => {
    requireAdmin(callerOf(request));
    const rest = request.params['*'];
    const slash = rest.lastIndexOf('/');
    const [label, action] = slash > 0 ? [rest.slice(0, slash), rest.slice(slash + 1)] : ['', rest];
    if (action === 'connect_nic') {
      const body = parseBody(connectBody, request.body);
      await auditedChange(request, (trx) => connectNic(trx, request.params.switch, label, body.node, body.nic));
      return reply.send();
    }
    if (action === 'detach_nic') {
      await auditedChange(request, (trx) => detachNic(trx, request.params.switch, label));
      return reply.send();
    }
    if (action === 'revert') {
      // Recorded with its audit row first; the workflow that carries it out starts after the commit.
      const id = await auditedChange(request, (trx) => requestPortRevert(trx, request.params.switch, label), 202);
      await deps.onNetworkAction?.(id);
      return reply.status(202).send({ status_id: id });
    }
    throw new NotFoundError(`no API call POST ${request.url.split('?')[0]}`);
  });
}
