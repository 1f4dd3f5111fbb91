/**
 * A Dell S3048-ON on OS9 as HIL's dellnos9.py talks to it: the REST CLI
 * (`POST /api/running/dell/_operations/cli` with `<input><config-commands|show-command|exec-command>`)
 * and the interface resource (`GET|PUT /api/running/dell/interfaces/interface/tengig-1-3`).
 * OS9 is VLAN-centric: `interface vlan <id>` then `[no] tagged|untagged <type> <port>`. Errors are
 * HTTP 400 with the CLI's "% Error:" line in `<error-message>`; their wording is ours, the
 * rules (one untagged VLAN per port, Layer-2 ports only, no shutting a port still in VLANs)
 * are OS9's as HIL's driver works around them.
 */
import { formatVlanRanges } from '../nxos/state';
import { restError, startRestSwitch, unescapeXml, type RestReply, type RestSwitchServer } from './http';

interface Os9Port {
  hybrid: boolean;
  switchport: boolean;
  shutdown: boolean;
}

export class Os9State {
  readonly ports = new Map<string, Os9Port>();
  readonly vlans = new Map<number, { tagged: Set<string>; untagged: Set<string> }>();
  /** Every CLI line, show, exec command and resource request, in order ("PUT /interfaces/... <body>"). */
  readonly received: string[] = [];
  startupConfig: string | null = null;

  constructor(
    readonly interfaceType = 'TenGigabitEthernet',
    readonly pathPrefix = 'tengig-',
    count = 16,
  ) {
    for (let i = 1; i <= count; i++) this.ports.set(`1/${i}`, { hybrid: false, switchport: false, shutdown: true });
    this.vlans.set(1, { tagged: new Set(), untagged: new Set() });
  }
}

export interface Os9Sim extends RestSwitchServer {
  state: Os9State;
}

const ROOT = '/api/running/dell';

export async function startOs9Sim(credentials: { username: string; password: string }, state = new Os9State()): Promise<Os9Sim> {
  const server = await startRestSwitch(credentials, (method, url, body) => handle(state, method, url, body));
  return { ...server, state };
}

function handle(state: Os9State, method: string, url: string, body: string): RestReply {
  if (!url.startsWith(`${ROOT}/`)) return restError(404, 'invalid-value', 'resource not found');
  const path = url.slice(ROOT.length);
  if (path === '/_operations/cli' && method === 'POST') return cliOperation(state, body);
  const m = /^\/interfaces\/interface\/([a-z]+-)(\d+(?:-\d+){1,2})(\?with-defaults)?$/.exec(path);
  if (!m?.[1] || !m[2]) return restError(404, 'invalid-value', 'resource not found');
  state.received.push(`${method} ${path}${body ? ` ${body}` : ''}`);
  const label = m[2].replace(/-/g, '/');
  const port = m[1] === state.pathPrefix ? state.ports.get(label) : undefined;
  if (!port) return restError(404, 'invalid-value', `no such interface ${m[1]}${m[2]}`);
  if (method === 'GET') {
    return { status: 200, body: `<interface xmlns="http://www.dell.com/ns/dell:0.1/root"><name>${m[1]}${m[2]}</name><portmode><hybrid>${port.hybrid}</hybrid></portmode><shutdown>${port.shutdown}</shutdown></interface>` };
  }
  if (method !== 'PUT') return restError(405, 'operation-not-supported', `${method} is not supported here`);
  return putInterface(state, label, port, body);
}

function putInterface(state: Os9State, label: string, port: Os9Port, body: string): RestReply {
  const hybrid = /<hybrid>(true|false)<\/hybrid>/.exec(body)?.[1];
  const shutdown = /<shutdown>(true|false)<\/shutdown>/.exec(body)?.[1];
  if (hybrid === undefined || shutdown === undefined) return restError(400, 'malformed-message', 'expected <portmode><hybrid> and <shutdown>');
  const member = [...state.vlans.entries()].find(([, v]) => v.tagged.has(label) || v.untagged.has(label));
  if (hybrid === 'false' && member) return restError(400, 'operation-failed', `% Error: Port is a member of Vlan ${member[0]}; remove it first.`);
  port.hybrid = hybrid === 'true';
  port.switchport = /<switchport\s*\/?>/.test(body) || (port.switchport && port.hybrid);
  port.shutdown = shutdown === 'true';
  return { status: 204, body: '' };
}

function cliOperation(state: Os9State, body: string): RestReply {
  const m = /^<input><(config-commands|show-command|exec-command)>([\s\S]*)<\/\1><\/input>$/.exec(body.trim());
  if (!m?.[1] || m[2] === undefined) return restError(400, 'malformed-message', 'expected <input> with one command element');
  const text = unescapeXml(m[2]);
  if (m[1] === 'show-command') {
    state.received.push(`show ${text}`);
    const out = show(state, text.trim());
    if (out.startsWith('% Error')) return restError(400, 'operation-failed', out);
    return { status: 200, body: `<output xmlns="http://www.dell.com/ns/dell:0.1/root"><command>show ${text}\r\n\r\n${out.replace(/\n/g, '\r\n')}\r\n\r\nS3048-ON#</command></output>` };
  }
  if (m[1] === 'exec-command') {
    state.received.push(text.trim());
    if (text.trim() !== 'write') return restError(400, 'operation-failed', '% Error: Invalid input at "^" marker.');
    state.startupConfig = runningConfig(state);
    return { status: 200, body: '<output xmlns="http://www.dell.com/ns/dell:0.1/root"><command>write\r\n\r\nS3048-ON#</command></output>' };
  }
  let vlan: number | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    state.received.push(line);
    const error = configLine(state, line, vlan, (v) => (vlan = v));
    if (error) return restError(400, 'operation-failed', error);
  }
  return { status: 204, body: '' };
}

function configLine(state: Os9State, line: string, vlan: number | undefined, enter: (v: number | undefined) => void): string | undefined {
  let m = /^interface vlan (\d+)$/.exec(line);
  if (m) {
    const id = Number(m[1]);
    if (id < 1 || id > 4094) return '% Error: Invalid vlan id.';
    if (!state.vlans.has(id)) state.vlans.set(id, { tagged: new Set(), untagged: new Set() });
    enter(id);
    return undefined;
  }
  if (line === 'exit') {
    enter(undefined);
    return undefined;
  }
  m = /^(no )?(tagged|untagged) (\S+) (\S+)$/.exec(line);
  if (!m?.[2] || !m[3] || !m[4] || vlan === undefined) return '% Error: Invalid input at "^" marker.';
  const members = state.vlans.get(vlan);
  const port = m[3] === state.interfaceType ? state.ports.get(m[4]) : undefined;
  if (!members || !port) return `% Error: No such interface ${m[3]} ${m[4]}.`;
  const set = m[2] === 'tagged' ? members.tagged : members.untagged;
  if (m[1]) {
    if (!set.has(m[4])) return `% Error: Port is not ${m[2]} in Vlan ${vlan}.`;
    set.delete(m[4]);
    return undefined;
  }
  if (!port.switchport || !port.hybrid) return `% Error: Port is not in Layer-2 mode ${m[3]} ${m[4]}.`;
  if (m[2] === 'untagged' && [...state.vlans.entries()].some(([id, v]) => id !== vlan && v.untagged.has(m?.[4] ?? ''))) return '% Error: Port is untagged in another Vlan.';
  if ((m[2] === 'untagged' ? members.tagged : members.untagged).has(m[4])) return `% Error: Port is already a member of Vlan ${vlan}.`;
  set.add(m[4]);
  return undefined;
}

function show(state: Os9State, text: string): string {
  if (text === 'version') return 'Dell Real Time Operating System Software\nDell Application Software Version: 9.11(0.0P6) [simulated]';
  if (text === 'running-config' || text === 'startup-config') return text === 'running-config' ? runningConfig(state) : (state.startupConfig ?? '');
  const m = /^interfaces switchport (\S+) (\S+)$/.exec(text);
  if (!m?.[1] || !m[2] || m[1] !== state.interfaceType || !state.ports.has(m[2])) return `% Error: No such interface ${text.split(' ').slice(2).join(' ')}.`;
  const label = m[2];
  const untagged = [...state.vlans.entries()].filter(([, v]) => v.untagged.has(label)).map(([id]) => id);
  const tagged = [...state.vlans.entries()].filter(([, v]) => v.tagged.has(label)).map(([id]) => id);
  return [
    'Codes:  U - Untagged, T - Tagged',
    '',
    `Name: ${state.interfaceType} ${label}`,
    '802.1QTagged: Hybrid',
    'Vlan membership:',
    'Q       Vlans',
    ...(untagged.length ? [`U       ${formatVlanRanges(untagged)}`] : []),
    ...(tagged.length ? [`T       ${formatVlanRanges(tagged)}`] : []),
    '',
    `Native Vlan Id: ${untagged[0] ?? 1}.`,
  ].join('\n');
}

function runningConfig(state: Os9State): string {
  const out = ['Current Configuration ...', '! Version 9.11(0.0P6) [simulated]', 'hostname S3048-ON', '!', 'username admin password 7 xxxx privilege 15'];
  for (const [label, p] of state.ports) {
    out.push('!', `interface ${state.interfaceType} ${label}`, ' no ip address', ...(p.hybrid ? [' portmode hybrid'] : []), ...(p.switchport ? [' switchport'] : []), p.shutdown ? ' shutdown' : ' no shutdown');
  }
  for (const [id, v] of [...state.vlans.entries()].sort((a, b) => a[0] - b[0])) {
    out.push('!', `interface Vlan ${id}`);
    if (v.tagged.size) out.push(` tagged ${state.interfaceType} ${[...v.tagged].join(',')}`);
    if (v.untagged.size) out.push(` untagged ${state.interfaceType} ${[...v.untagged].join(',')}`);
  }
  return out.join('\n');
}
