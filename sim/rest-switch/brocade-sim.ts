/**
 * A Brocade VDX (NOS) REST API as HIL's brocade.py talks to it (M hil/ext/switches/brocade.py and
 * the responses its unit tests recorded): `/rest/config/running/interface/<type>/%22<port>%22` with
 * `switchport`, `switchport/mode`, `switchport/access`, `switchport/trunk`, `.../trunk/allowed/vlan`
 * (add/remove/none), `.../trunk/native-vlan` and `.../trunk/tag/native-vlan`, and VLANs created by
 * `POST /interface <Vlan>`. Errors are HTTP statuses with an `<error-message>`; their wording is ours.
 */
import { formatVlanRanges, parseVlanArgument } from '../nxos/state';
import { restError, startRestSwitch, type RestReply, type RestSwitchServer } from './http';

interface BrocadePort {
  switchport: boolean;
  mode: 'access' | 'trunk';
  accessVlan: number;
  allowed: Set<number>;
  native: number | null;
  nativeTagged: boolean;
}

export class BrocadeState {
  readonly vlans = new Set<number>([1]);
  readonly ports = new Map<string, BrocadePort>();
  /** Every request as "METHOD /path [body]", the path after /rest/config/running. */
  readonly received: string[] = [];

  constructor(
    readonly interfaceType = 'TenGigabitEthernet',
    count = 16,
  ) {
    for (let i = 1; i <= count; i++) this.ports.set(`1/0/${i}`, { switchport: true, mode: 'access', accessVlan: 1, allowed: new Set(), native: null, nativeTagged: true });
  }
}

export interface BrocadeSim extends RestSwitchServer {
  state: BrocadeState;
}

const ROOT = '/rest/config/running';
const NS = 'xmlns="urn:brocade.com:mgmt:brocade-interface" xmlns:y="http://brocade.com/ns/rest"';

export async function startBrocadeSim(credentials: { username: string; password: string }, state = new BrocadeState()): Promise<BrocadeSim> {
  const server = await startRestSwitch(credentials, (method, url, body) => handle(state, method, url, body));
  return { ...server, state };
}

function handle(state: BrocadeState, method: string, url: string, body: string): RestReply {
  if (!url.startsWith(`${ROOT}/interface`)) return restError(404, 'invalid-value', 'resource not found');
  const path = url.slice(ROOT.length);
  if (path === '/interface') {
    if (method === 'GET') return { status: 200, body: `<interface ${NS}/>` };
    state.received.push(`${method} ${path} ${body}`);
    const vlan = /^<Vlan><name>(\d+)<\/name><\/Vlan>$/.exec(body)?.[1];
    if (method !== 'POST' || !vlan || Number(vlan) < 1 || Number(vlan) > 4090) return restError(400, 'invalid-value', '%Error: Invalid Vlan');
    if (state.vlans.has(Number(vlan))) return restError(409, 'data-exists', `Vlan ${vlan} already exists`);
    state.vlans.add(Number(vlan));
    return { status: 201, body: '' };
  }
  const m = /^\/interface\/([A-Za-z]+)\/%22([\d/]+)%22(\/switchport(?:\/[a-z/-]+)?)?$/.exec(path);
  if (!m?.[1] || !m[2]) return restError(404, 'invalid-value', 'resource not found');
  state.received.push(`${method} ${path}${body ? ` ${body}` : ''}`);
  const port = m[1] === state.interfaceType ? state.ports.get(m[2]) : undefined;
  if (!port) return restError(404, 'invalid-value', `interface ${m[1]} ${m[2]} does not exist`);
  const resource = m[3] ?? '';
  if (resource === '') {
    if (method !== 'POST' || body !== '<switchport></switchport>') return restError(400, 'malformed-message', 'expected POST <switchport></switchport>');
    if (port.switchport) return restError(409, 'data-exists', 'switchport already exists');
    port.switchport = true;
    return { status: 201, body: '' };
  }
  if (!port.switchport) return restError(404, 'invalid-value', `%Error: ${m[1]} ${m[2]} is not a switchport`);
  return switchportResource(state, port, method, resource.slice('/switchport'.length), body);
}

function switchportResource(state: BrocadeState, port: BrocadePort, method: string, resource: string, body: string): RestReply {
  const key = `${method} ${resource}`;
  if (key === 'GET /mode') return { status: 200, body: `<mode ${NS}><vlan-mode>${port.mode}</vlan-mode></mode>` };
  if (key === 'GET /access') return { status: 200, body: `<access ${NS}><vlan>${port.accessVlan}</vlan></access>` };
  if (key === 'GET /trunk') {
    const add = port.allowed.size ? `<add>${formatVlanRanges(port.allowed)}</add>` : '';
    const native = port.native === null ? '' : `<native-vlan>${port.native}</native-vlan>`;
    return { status: 200, body: `<trunk ${NS}><allowed><vlan>${add}</vlan></allowed><tag><native-vlan>${port.nativeTagged}</native-vlan></tag>${native}</trunk>` };
  }
  if (key === 'PUT /mode') {
    const mode = /^<mode><vlan-mode>(access|trunk)<\/vlan-mode><\/mode>$/.exec(body)?.[1];
    if (!mode) return restError(400, 'malformed-message', 'expected <mode><vlan-mode>access|trunk</vlan-mode></mode>');
    port.mode = mode as BrocadePort['mode'];
    return { status: 204, body: '' };
  }
  if (key === 'PUT /trunk/allowed/vlan') return allowedVlans(state, port, body);
  if (key === 'PUT /trunk') {
    const vlan = /^<trunk><native-vlan>(\d+)<\/native-vlan><\/trunk>$/.exec(body)?.[1];
    if (!vlan) return restError(400, 'malformed-message', 'expected <trunk><native-vlan>id</native-vlan></trunk>');
    if (port.mode !== 'trunk') return restError(400, 'operation-failed', '%Error: Interface is not in trunk mode');
    if (!state.vlans.has(Number(vlan))) return restError(400, 'invalid-value', `%Error: Vlan ${vlan} does not exist`);
    port.native = Number(vlan);
    return { status: 204, body: '' };
  }
  if (key === 'DELETE /trunk/native-vlan' || key === 'DELETE /trunk/tag/native-vlan') {
    const tag = resource.includes('/tag/');
    if (tag ? !port.nativeTagged : port.native === null) return restError(404, 'invalid-value', 'resource not found');
    if (tag) port.nativeTagged = false;
    else port.native = null;
    return { status: 204, body: '' };
  }
  return restError(404, 'invalid-value', 'resource not found');
}

function allowedVlans(state: BrocadeState, port: BrocadePort, body: string): RestReply {
  const m = /^<vlan><(add|remove|none)>([^<]*)<\/\1><\/vlan>$/.exec(body);
  if (!m?.[1]) return restError(400, 'malformed-message', 'expected <vlan><add|remove|none>...</...></vlan>');
  if (port.mode !== 'trunk') return restError(400, 'operation-failed', '%Error: Interface is not in trunk mode');
  if (m[1] === 'none') {
    if (m[2] !== 'true') return restError(400, 'malformed-message', 'expected <none>true</none>');
    port.allowed = new Set();
    return { status: 204, body: '' };
  }
  const ids = parseVlanArgument(m[2] ?? '');
  if (!ids) return restError(400, 'invalid-value', `%Error: Invalid vlan list ${m[2]}`);
  if (m[1] === 'remove') {
    for (const v of ids) port.allowed.delete(v);
    return { status: 204, body: '' };
  }
  const missing = ids.find((v) => !state.vlans.has(v));
  if (missing !== undefined) return restError(400, 'invalid-value', `%Error: Vlan ${missing} does not exist`);
  for (const v of ids) port.allowed.add(v);
  return { status: 204, body: '' };
}
