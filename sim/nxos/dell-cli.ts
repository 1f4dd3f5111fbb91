import { formatVlanRanges, parseVlanArgument, type SimCli } from './state';

/** One port of a Dell console switch. */
export interface DellPort {
  mode: 'access' | 'trunk';
  accessVlan: number;
  /** The trunk's native VLAN; PowerConnect can say `none`, the N3000 always has one. */
  native: number | null;
  allowed: Set<number>;
}

export type DellDialect = 'powerconnect' | 'n3000';

/** What a Dell console switch holds; shared by every shell opened on it. */
export class DellSwitchState {
  readonly vlans = new Set<number>([1]);
  readonly ports = new Map<string, DellPort>();
  readonly received: string[] = [];
  startupConfig: string | null = null;

  constructor(
    readonly dialect: DellDialect,
    readonly hostname: string,
    portNames: string[],
  ) {
    // Out of the box: access ports in VLAN 1. A PowerConnect trunk allows nothing until told; an N3000 trunk allows all.
    for (const name of portNames) this.ports.set(name, { mode: 'access', accessVlan: 1, native: 1, allowed: dialect === 'n3000' ? allN3000() : new Set() });
  }
}

function allN3000(): Set<number> {
  return new Set(Array.from({ length: 4093 }, (_, i) => i + 1));
}

/** gi1/0/1..gi1/0/<count>. */
export function createDellState(dialect: DellDialect, count = 24): DellSwitchState {
  return new DellSwitchState(dialect, dialect === 'n3000' ? 'console' : 'switch', Array.from({ length: count }, (_, i) => `gi1/0/${i + 1}`));
}

type Mode = { kind: 'user' } | { kind: 'exec' } | { kind: 'config' } | { kind: 'vlandb' } | { kind: 'vlan'; vlan: number } | { kind: 'if'; port: string } | { kind: 'confirm' };

const UNRECOGNIZED = '% Unrecognized command';
const INVALID = "% Invalid input detected at '^' marker.";

/**
 * The PowerConnect 55xx and N3000 CLIs as switch-cli.md and HIL's drivers use them: `configure`,
 * `interface gi1/0/3` (also HIL's `int`), `switchport ...` (also HIL's `sw`), `exit`/`end`,
 * `show interfaces switchport`, and a save that asks for a yes. Errors begin with "% ". The N3000
 * starts at `>` and needs `enable`, and refuses a native VLAN its trunk does not allow (HIL's
 * n3000.py: "the switch won't let you set a native vlan that isn't added"; the wording is ours).
 */
export class DellCli implements SimCli {
  readonly banner: string;
  private mode: Mode;

  constructor(private readonly state: DellSwitchState) {
    this.banner = state.dialect === 'n3000' ? 'Dell Networking N3048 (simulated)\r\n' : 'PowerConnect 5548 (simulated)\r\n';
    this.mode = { kind: state.dialect === 'n3000' ? 'user' : 'exec' };
  }

  prompt(): string {
    const m = this.mode;
    const h = this.state.hostname;
    if (m.kind === 'confirm') {
      return this.state.dialect === 'n3000'
        ? 'This operation may take a few minutes.\r\nManagement interfaces will not be available during this time.\r\n\r\nAre you sure you want to save? (y/n) '
        : 'Overwrite file [startup-config].... (Y/N)[N] ?';
    }
    if (m.kind === 'user') return `${h}>`;
    if (m.kind === 'exec') return `${h}#`;
    if (m.kind === 'config') return `${h}(config)#`;
    if (m.kind === 'vlandb') return `${h}(config-vlan)#`;
    if (m.kind === 'vlan') return `${h}(config-vlan${m.vlan})#`;
    return this.state.dialect === 'n3000' ? `${h}(config-if-Gi${m.port.slice(2)})#` : `${h}(config-if)#`;
  }

  execute(raw: string): { output: string; close?: boolean } {
    const line = raw.trim().replace(/\s+/g, ' ');
    if (this.mode.kind === 'confirm') return { output: this.confirm(line) };
    if (line === '') return { output: '' };
    if (line === 'exit') {
      const k = this.mode.kind;
      if (k === 'user' || k === 'exec') return { output: '', close: true };
      this.mode = k === 'config' ? { kind: 'exec' } : { kind: 'config' };
      return { output: '' };
    }
    if (line === 'end') {
      if (this.mode.kind === 'user' || this.mode.kind === 'exec') return { output: UNRECOGNIZED };
      this.mode = { kind: 'exec' };
      return { output: '' };
    }
    if (this.mode.kind === 'user') {
      if (line === 'enable' || line === 'en') return ((this.mode = { kind: 'exec' }), { output: '' });
      return { output: UNRECOGNIZED };
    }
    if (this.mode.kind === 'exec') return { output: this.execCommand(line) };
    if (this.mode.kind === 'config') return { output: this.configCommand(line) };
    if (this.mode.kind === 'vlandb') return { output: this.vlanDatabase(line) };
    if (this.mode.kind === 'if') return { output: this.interfaceCommand(this.mode.port, line) };
    return { output: UNRECOGNIZED };
  }

  private execCommand(line: string): string {
    if (line === 'enable' || line === 'en') return '';
    if (line === 'terminal datadump' || line === 'no terminal datadump') return this.state.dialect === 'powerconnect' ? '' : UNRECOGNIZED;
    if (/^terminal length \d+$/.test(line)) return this.state.dialect === 'n3000' ? '' : UNRECOGNIZED;
    if (line === 'configure' || line === 'config' || line === 'configure terminal') return ((this.mode = { kind: 'config' }), '');
    if (line === 'copy running-config startup-config') return ((this.mode = { kind: 'confirm' }), '');
    if (line === 'show running-config') return this.runningConfig();
    const m = /^show (?:interfaces|int) (?:switchport|sw) (\S+)$/.exec(line);
    if (m?.[1]) return this.showSwitchport(m[1]);
    return UNRECOGNIZED;
  }

  private confirm(line: string): string {
    this.mode = { kind: 'exec' };
    if (!/^y(?:es)?$/i.test(line)) return 'Copy aborted';
    this.state.startupConfig = this.runningConfig();
    return this.state.dialect === 'n3000' ? 'Configuration Saved!' : 'Copy succeeded';
  }

  private configCommand(line: string): string {
    if (line === 'vlan database' && this.state.dialect === 'powerconnect') return ((this.mode = { kind: 'vlandb' }), '');
    let m = /^vlan (\S+)$/.exec(line);
    if (m?.[1] && this.state.dialect === 'n3000') {
      const ids = parseVlanArgument(m[1]);
      if (!ids || ids.some((v) => v > 4093)) return INVALID;
      for (const v of ids) this.state.vlans.add(v);
      if (ids.length === 1 && ids[0] !== undefined) this.mode = { kind: 'vlan', vlan: ids[0] };
      return '';
    }
    m = /^(?:interface|int) (\S+)$/.exec(line);
    if (m?.[1]) {
      const name = this.portName(m[1]);
      if (!name) return INVALID;
      if (!this.state.ports.has(name)) return `% Interface ${m[1]} does not exist`;
      this.mode = { kind: 'if', port: name };
      return '';
    }
    return UNRECOGNIZED;
  }

  private vlanDatabase(line: string): string {
    const m = /^vlan (\S+)$/.exec(line);
    const ids = m?.[1] ? parseVlanArgument(m[1]) : null;
    if (!ids) return UNRECOGNIZED;
    for (const v of ids) this.state.vlans.add(v);
    return '';
  }

  private interfaceCommand(name: string, raw: string): string {
    const port = this.state.ports.get(name);
    if (!port) return UNRECOGNIZED;
    const line = raw.replace(/^sw /, 'switchport ');
    let m = /^switchport mode (access|trunk|general)$/.exec(line);
    if (m) return ((port.mode = m[1] === 'access' ? 'access' : 'trunk'), '');
    m = /^switchport access vlan (\d+)$/.exec(line);
    if (m) return this.needVlan(Number(m[1]), (v) => (port.accessVlan = v));
    m = /^switchport trunk allowed vlan (add|remove) (\S+)$/.exec(line);
    if (m?.[2]) {
      const ids = parseVlanArgument(m[2]);
      if (!ids) return INVALID;
      if (m[1] === 'remove') {
        for (const v of ids) port.allowed.delete(v);
        return '';
      }
      const missing = this.state.dialect === 'powerconnect' ? ids.find((v) => !this.state.vlans.has(v)) : undefined;
      if (missing !== undefined) return `% VLAN ${missing} does not exist`;
      for (const v of ids) port.allowed.add(v);
      return '';
    }
    if (line === 'switchport trunk allowed vlan none') return ((port.allowed = new Set()), '');
    if (line === 'switchport trunk native vlan none') return this.state.dialect === 'powerconnect' ? ((port.native = null), '') : INVALID;
    m = /^switchport trunk native vlan (\d+)$/.exec(line);
    if (m) {
      const v = Number(m[1]);
      if (v < 1 || v > 4094) return INVALID;
      if (!this.state.vlans.has(v)) return `% VLAN ${v} does not exist`;
      if (this.state.dialect === 'n3000' && !port.allowed.has(v)) return `% VLAN ${v} is not allowed on this trunk; add it to the allowed VLANs first`;
      return ((port.native = v), '');
    }
    return UNRECOGNIZED;
  }

  private needVlan(vlan: number, apply: (v: number) => void): string {
    if (!this.state.vlans.has(vlan)) return `% VLAN ${vlan} does not exist`;
    apply(vlan);
    return '';
  }

  private portName(text: string): string | undefined {
    const m = /^(gi|te|gigabitethernet|tengigabitethernet)(\d+\/\d+(?:\/\d+)?)$/i.exec(text);
    if (!m?.[1] || !m[2]) return undefined;
    return `${m[1].toLowerCase().startsWith('te') ? 'te' : 'gi'}${m[2]}`;
  }

  private showSwitchport(text: string): string {
    const name = this.portName(text);
    const p = name ? this.state.ports.get(name) : undefined;
    if (!name || !p) return `% Interface ${text} does not exist`;
    const allowed = p.allowed.size === 0 ? 'none' : formatVlanRanges(p.allowed);
    if (this.state.dialect === 'n3000') {
      const native = p.native === null ? '' : `${p.native}${p.native === 1 ? ' (default)' : ''}`;
      return [
        `Port: ${name.replace(/^gi/, 'Gi').replace(/^te/, 'Te')}`,
        `VLAN Membership Mode: ${p.mode === 'trunk' ? 'Trunk Mode' : 'Access Mode'}`,
        `Access Mode VLAN: ${p.accessVlan}${p.accessVlan === 1 ? ' (default)' : ''}`,
        'General Mode PVID: 1 (default)',
        `Trunking Mode Native VLAN: ${native}`,
        'Trunking Mode Native VLAN Tagging: Disabled',
        `Trunking Mode VLANs Enabled: ${p.allowed.size === 4093 ? 'All' : allowed}`,
        'Protected Port: False',
      ].join('\n');
    }
    // PowerConnect wraps long lists onto indented lines.
    const [first = allowed, ...more] = allowed.split(',');
    return [
      `Name: ${name}`,
      'Switchport: enable',
      `Administrative Mode: ${p.mode}`,
      'Operational Mode: up',
      `Access Mode VLAN: ${p.accessVlan}`,
      'Access Multicast TV VLAN: none',
      `Trunking Native Mode VLAN: ${p.native ?? 'none'}`,
      `Trunking VLANs Enabled: ${first}`,
      ...more.map((part) => `                        ${part}`),
      'General PVID: 1',
      '',
      'Classification rules:',
    ].join('\n');
  }

  private runningConfig(): string {
    const out = [`hostname "${this.state.hostname}"`, `vlan ${formatVlanRanges(this.state.vlans)}`];
    for (const [name, p] of this.state.ports) {
      out.push('!', `interface ${name}`, `switchport mode ${p.mode}`);
      if (p.mode === 'trunk') {
        out.push(`switchport trunk native vlan ${p.native ?? 'none'}`, `switchport trunk allowed vlan ${p.allowed.size === 0 ? 'none' : formatVlanRanges(p.allowed)}`);
      } else out.push(`switchport access vlan ${p.accessVlan}`);
      out.push('exit');
    }
    return out.join('\n');
  }
}
