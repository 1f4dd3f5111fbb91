import { formatVlanRanges, parseVlanArgument, SimSwitchState, type SimCli, type SimPort } from './state';

type Mode = { kind: 'exec' } | { kind: 'config' } | { kind: 'vlan'; vlan: number } | { kind: 'if'; port: string };

const UNRECOGNIZED = '% Error: Unrecognized command.';

/** An OS10 port out of the box: up, access mode, untagged in the default VLAN 1. */
export function freshOs10Port(): SimPort {
  return { switchport: true, mode: 'access', accessVlan: 1, nativeVlan: 1, allowed: new Set(), shutdown: false };
}

/** A switch named "OS10" with ethernet1/1/1..ethernet1/1/<count>. */
export function createOs10State(count = 32, hostname = 'OS10'): SimSwitchState {
  return new SimSwitchState(hostname, Array.from({ length: count }, (_, i) => `ethernet1/1/${i + 1}`), freshOs10Port);
}

/**
 * Dell OS10 CLI as switch-cli.md documents it: `interface vlan` creates a VLAN,
 * `switchport trunk allowed vlan` adds to a trunk, errors begin "% Error:".
 * Unlike a real OS10 it always shows the access VLAN, even the default one.
 */
export class Os10Cli implements SimCli {
  readonly banner = 'Dell SmartFabric OS10 Enterprise\r\n';
  private mode: Mode = { kind: 'exec' };

  constructor(private readonly state: SimSwitchState) {}

  prompt(): string {
    const m = this.mode;
    const suffix = m.kind === 'exec' ? '' : m.kind === 'config' ? '(config)' : m.kind === 'vlan' ? `(conf-if-vl-${m.vlan})` : `(conf-if-eth${m.port.slice('ethernet'.length)})`;
    return `${this.state.hostname}${suffix}#`;
  }

  execute(raw: string): { output: string; close?: boolean } {
    const line = raw.trim().replace(/\s+/g, ' ');
    if (line === '') return { output: '' };
    if (line === 'exit') {
      if (this.mode.kind === 'exec') return { output: '', close: true };
      this.mode = this.mode.kind === 'config' ? { kind: 'exec' } : { kind: 'config' };
      return { output: '' };
    }
    if (line === 'end') {
      if (this.mode.kind === 'exec') return { output: UNRECOGNIZED };
      this.mode = { kind: 'exec' };
      return { output: '' };
    }
    if (this.mode.kind === 'exec') return { output: this.execCommand(line) };
    let m = /^interface vlan (\d+)$/.exec(line);
    if (m) {
      const vlan = Number(m[1]);
      if (vlan < 1 || vlan > 4094) return { output: '% Error: Invalid VLAN ID. Valid range is 1-4094.' };
      this.state.vlans.add(vlan);
      this.mode = { kind: 'vlan', vlan };
      return { output: '' };
    }
    m = /^interface (\S+)$/.exec(line);
    if (m?.[1]) {
      const name = m[1].toLowerCase();
      if (!/^ethernet\d+\/\d+\/\d+$/.test(name)) return { output: UNRECOGNIZED };
      if (!this.state.ports.has(name)) return { output: `% Error: Interface ${name} does not exist.` };
      this.mode = { kind: 'if', port: name };
      return { output: '' };
    }
    if (this.mode.kind === 'vlan' && /^description \S+$/.test(line)) return { output: '' };
    if (this.mode.kind === 'if') return { output: this.interfaceCommand(this.mode.port, line) };
    return { output: UNRECOGNIZED };
  }

  private execCommand(line: string): string {
    if (/^terminal length \d+$/.test(line)) return '';
    if (/^conf(?:igure)?(?: t(?:erminal)?)?$/.test(line)) return ((this.mode = { kind: 'config' }), '');
    if (line === 'show version') return 'Dell SmartFabric OS10 Enterprise\nOS Version: 10.5.2.0 [simulated]';
    if (line === 'write memory' || line === 'copy running-configuration startup-configuration') {
      this.state.startupConfig = this.runningConfig();
      return '';
    }
    if (line === 'show running-configuration') return this.runningConfig();
    const m = /^show running-configuration interface (\S+)$/.exec(line);
    if (m?.[1]) {
      const name = m[1].toLowerCase();
      if (!this.state.ports.has(name)) return `% Error: Interface ${name} does not exist.`;
      return this.renderInterface(name).join('\n');
    }
    return UNRECOGNIZED;
  }

  private interfaceCommand(name: string, line: string): string {
    const port = this.state.ports.get(name);
    if (!port) return UNRECOGNIZED;
    if (line === 'shutdown') return ((port.shutdown = true), '');
    if (line === 'no shutdown') return ((port.shutdown = false), '');
    let m = /^switchport mode (access|trunk)$/.exec(line);
    if (m) {
      port.mode = m[1] as 'access' | 'trunk';
      if (port.mode === 'access') port.allowed = new Set();
      return '';
    }
    m = /^switchport access vlan (\d+)$/.exec(line);
    if (m) {
      const vlan = Number(m[1]);
      if (!this.state.vlans.has(vlan)) return `% Error: vlan${vlan} does not exist.`;
      return ((port.accessVlan = vlan), '');
    }
    if (line === 'no switchport access vlan') return ((port.accessVlan = null), '');
    m = /^(no )?switchport trunk allowed vlan (\S+)$/.exec(line);
    if (m?.[2]) return this.trunkVlans(port, m[1] !== undefined, m[2]);
    return UNRECOGNIZED;
  }

  private trunkVlans(port: SimPort, remove: boolean, list: string): string {
    const ids = parseVlanArgument(list);
    if (!ids) return '% Error: Invalid VLAN range.';
    if (port.mode !== 'trunk') return '% Error: Interface is not in trunk mode.';
    const allowed = port.allowed === 'all' ? new Set<number>() : port.allowed;
    if (remove) {
      port.allowed = new Set([...allowed].filter((v) => !ids.includes(v)));
      return '';
    }
    const missing = ids.find((v) => !this.state.vlans.has(v));
    if (missing !== undefined) return `% Error: vlan${missing} does not exist.`;
    port.allowed = new Set([...allowed, ...ids]);
    return '';
  }

  private renderInterface(name: string): string[] {
    const p = this.state.ports.get(name);
    if (!p) return [];
    const lines = ['!', `interface ${name}`, p.shutdown ? ' shutdown' : ' no shutdown'];
    if (p.mode === 'trunk') lines.push(' switchport mode trunk');
    if (p.accessVlan !== null) lines.push(` switchport access vlan ${p.accessVlan}`);
    if (p.mode === 'trunk' && p.allowed !== 'all' && p.allowed.size > 0) lines.push(` switchport trunk allowed vlan ${formatVlanRanges(p.allowed)}`);
    return lines;
  }

  private runningConfig(): string {
    const out = [`hostname ${this.state.hostname}`];
    for (const v of [...this.state.vlans].sort((a, b) => a - b)) out.push('!', `interface vlan${v}`, ' no shutdown');
    for (const name of this.state.ports.keys()) out.push(...this.renderInterface(name));
    return out.join('\n');
  }
}
