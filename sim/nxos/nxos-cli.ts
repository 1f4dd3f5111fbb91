import { formatVlanRanges, parseVlanArgument, SimSwitchState, type SimCli, type SimPort } from './state';

type Mode = { kind: 'exec' } | { kind: 'config' } | { kind: 'vlan' } | { kind: 'if'; port: string };

const INVALID = "% Invalid command at '^' marker.";

/** NX-OS leaves ports of a new switch shut, in access mode on VLAN 1. */
export function freshNxosPort(): SimPort {
  return { switchport: true, mode: 'access', accessVlan: 1, nativeVlan: 1, allowed: 'all', shutdown: true };
}

/** A switch named "switch" with Ethernet1/1..Ethernet1/<count>. */
export function createNxosState(count = 48, hostname = 'switch'): SimSwitchState {
  return new SimSwitchState(hostname, Array.from({ length: count }, (_, i) => `Ethernet1/${i + 1}`), freshNxosPort);
}

/** Cisco NX-OS CLI as switch-cli.md documents it: prompts per mode, "% " errors, running and startup config. */
export class NxosCli implements SimCli {
  readonly banner = 'Cisco Nexus Operating System (NX-OS) Software\r\nTAC support: http://www.cisco.com/tac\r\n';
  private mode: Mode;

  constructor(
    private readonly state: SimSwitchState,
    start: 'exec' | 'config' = 'exec',
  ) {
    this.mode = { kind: start };
  }

  prompt(): string {
    const suffix = { exec: '', config: '(config)', vlan: '(config-vlan)', if: '(config-if)' }[this.mode.kind];
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
      if (this.mode.kind === 'exec') return { output: INVALID };
      this.mode = { kind: 'exec' };
      return { output: '' };
    }
    // NX-OS runs exec commands from any configuration mode without "do".
    const shown = this.execCommand(line);
    if (shown !== undefined) return { output: shown };
    if (this.mode.kind === 'exec') {
      if (/^conf(?:igure)?(?: t(?:erminal)?)?$/.test(line)) {
        this.mode = { kind: 'config' };
        return { output: 'Enter configuration commands, one per line. End with CNTL/Z.' };
      }
      return { output: INVALID };
    }
    const global = this.configCommand(line);
    if (global !== undefined) return { output: global };
    if (this.mode.kind === 'vlan' && /^name [A-Za-z0-9_-]{1,32}$/.test(line)) return { output: '' };
    if (this.mode.kind === 'if') return { output: this.interfaceCommand(this.mode.port, line) };
    return { output: INVALID };
  }

  private execCommand(line: string): string | undefined {
    if (/^terminal length \d+$/.test(line)) return '';
    if (line === 'show version') return 'Cisco Nexus Operating System (NX-OS) Software\nNXOS: version 9.3(8) [simulated]';
    if (line === 'show running-config') return this.runningConfig();
    const m = /^show running-config interface (\S+)$/.exec(line);
    if (m?.[1]) {
      const port = this.portName(m[1]);
      if (!port.ok) return port.error;
      return [`!Command: show running-config interface ${port.name}`, '', 'version 9.3(8)', '', ...this.renderInterface(port.name)].join('\n');
    }
    if (line === 'copy running-config startup-config') {
      this.state.startupConfig = this.runningConfig();
      return '[########################################] 100%\nCopy complete.';
    }
    return undefined;
  }

  private configCommand(line: string): string | undefined {
    let m = /^vlan (\S+)$/.exec(line);
    if (m?.[1]) {
      const ids = parseVlanArgument(m[1]);
      if (!ids) return '% Invalid VLAN ID, valid range is 1-4094';
      for (const v of ids) this.state.vlans.add(v);
      this.mode = { kind: 'vlan' };
      return '';
    }
    m = /^no vlan (\S+)$/.exec(line);
    if (m?.[1]) {
      const ids = parseVlanArgument(m[1]);
      if (!ids || ids.includes(1)) return '% Invalid VLAN ID, valid range is 2-4094';
      for (const v of ids) this.state.vlans.delete(v);
      return '';
    }
    m = /^interface (.+)$/.exec(line);
    if (m?.[1]) {
      const port = this.portName(m[1]);
      if (!port.ok) return port.error;
      this.mode = { kind: 'if', port: port.name };
      return '';
    }
    return undefined;
  }

  private interfaceCommand(name: string, line: string): string {
    const port = this.state.ports.get(name);
    if (!port) return INVALID;
    if (line === 'switchport') return ((port.switchport = true), '');
    if (line === 'no switchport') return ((port.switchport = false), '');
    if (line === 'shutdown') return ((port.shutdown = true), '');
    if (line === 'no shutdown') return ((port.shutdown = false), '');
    if (!line.startsWith('switchport ') && !line.startsWith('no switchport ')) return INVALID;
    if (!port.switchport) return '% Interface is not a switchport';
    let m = /^switchport mode (access|trunk)$/.exec(line);
    if (m) return ((port.mode = m[1] as 'access' | 'trunk'), '');
    m = /^switchport access vlan (\d+)$/.exec(line);
    if (m) return this.withExistingVlan(Number(m[1]), (v) => (port.accessVlan = v));
    m = /^switchport trunk native vlan (\d+)$/.exec(line);
    if (m) return this.withExistingVlan(Number(m[1]), (v) => (port.nativeVlan = v));
    if (line === 'no switchport trunk native vlan') return ((port.nativeVlan = 1), '');
    m = /^switchport trunk allowed vlan (?:(add|remove|except) )?(\S+)$/.exec(line);
    if (m?.[2]) return this.allowedVlans(port, m[1], m[2]);
    return INVALID;
  }

  private allowedVlans(port: SimPort, how: string | undefined, list: string): string {
    if (how === undefined && (list === 'none' || list === 'all')) {
      port.allowed = list === 'none' ? new Set() : 'all';
      return '';
    }
    const ids = parseVlanArgument(list);
    if (!ids) return "% Invalid range at '^' marker.";
    const current = port.allowed === 'all' ? new Set(Array.from({ length: 4094 }, (_, i) => i + 1)) : port.allowed;
    if (how === undefined) port.allowed = new Set(ids);
    else if (how === 'add') port.allowed = new Set([...current, ...ids]);
    else if (how === 'remove') port.allowed = new Set([...current].filter((v) => !ids.includes(v)));
    else port.allowed = new Set(Array.from({ length: 4094 }, (_, i) => i + 1).filter((v) => !ids.includes(v)));
    if (port.allowed.size === 4094) port.allowed = 'all';
    return '';
  }

  private withExistingVlan(vlan: number, apply: (v: number) => void): string {
    if (vlan < 1 || vlan > 4094) return '% Invalid VLAN ID, valid range is 1-4094';
    if (!this.state.vlans.has(vlan)) return '% VLAN not found';
    apply(vlan);
    return '';
  }

  private portName(text: string): { ok: true; name: string } | { ok: false; error: string } {
    const m = /^(?:ethernet|eth|e) ?(\d+\/\d+(?:\/\d+)?)$/i.exec(text.trim());
    if (!m) return { ok: false, error: "% Invalid interface format at '^' marker." };
    const name = `Ethernet${m[1]}`;
    if (!this.state.ports.has(name)) return { ok: false, error: `% Invalid range at '^' marker.` };
    return { ok: true, name };
  }

  private renderInterface(name: string): string[] {
    const p = this.state.ports.get(name);
    if (!p) return [];
    const lines = [`interface ${name}`];
    if (p.switchport) {
      lines.push('  switchport');
      if (p.mode === 'trunk') lines.push('  switchport mode trunk');
      if (p.accessVlan !== null && p.accessVlan !== 1) lines.push(`  switchport access vlan ${p.accessVlan}`);
      if (p.nativeVlan !== 1) lines.push(`  switchport trunk native vlan ${p.nativeVlan}`);
      if (p.allowed !== 'all') lines.push(...allowedLines(p.allowed));
    } else {
      lines.push('  no switchport');
    }
    lines.push(p.shutdown ? '  shutdown' : '  no shutdown');
    return lines;
  }

  private runningConfig(): string {
    const out = ['!Command: show running-config', '', 'version 9.3(8)', `hostname ${this.state.hostname}`, '', `vlan ${formatVlanRanges(this.state.vlans)}`];
    for (const name of this.state.ports.keys()) out.push('', ...this.renderInterface(name));
    return out.join('\n');
  }
}

/** NX-OS wraps long allowed lists onto "allowed vlan add" lines. */
function allowedLines(allowed: Set<number>): string[] {
  if (allowed.size === 0) return ['  switchport trunk allowed vlan none'];
  const parts = formatVlanRanges(allowed).split(',');
  const chunks: string[] = [];
  let current = '';
  for (const part of parts) {
    if (current && current.length + part.length + 1 > 60) {
      chunks.push(current);
      current = part;
    } else current = current ? `${current},${part}` : part;
  }
  chunks.push(current);
  return chunks.map((c, i) => `  switchport trunk allowed vlan ${i === 0 ? '' : 'add '}${c}`);
}
