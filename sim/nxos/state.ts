/** One switch port as the simulated switch configures it. */
export interface SimPort {
  switchport: boolean;
  mode: 'access' | 'trunk';
  /** Untagged VLAN in access mode (OS10: also on a trunk); null when removed (OS10). */
  accessVlan: number | null;
  /** NX-OS trunk native VLAN. */
  nativeVlan: number;
  /** Trunk allowed list; "all" is NX-OS's default for a port never given one. */
  allowed: Set<number> | 'all';
  shutdown: boolean;
}

/**
 * The configuration a simulated switch holds: shared by its SSH CLI and its
 * NX-API front end, so both see the same running-config.
 */
export class SimSwitchState {
  readonly vlans = new Set<number>([1]);
  readonly ports = new Map<string, SimPort>();
  /** Every command line any front end received, in order: tests use it to prove refused input never arrived. */
  readonly received: string[] = [];
  /** The running-config text at the last save, or null before any. */
  startupConfig: string | null = null;

  constructor(
    readonly hostname: string,
    portNames: string[],
    fresh: () => SimPort,
  ) {
    for (const name of portNames) this.ports.set(name, fresh());
  }
}

/** Writes VLAN ids the way both CLIs do: "1,100,200-202". */
export function formatVlanRanges(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Reads a VLAN list argument ("100", "100-110,120"); null when anything in it is not a usable VLAN id. */
export function parseVlanArgument(text: string): number[] | null {
  const ids: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(part);
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to > 4094 || from > to) return null;
    for (let v = from; v <= to; v++) ids.push(v);
  }
  return ids;
}

/** What a front end needs from a CLI dialect. */
export interface SimCli {
  readonly banner: string;
  prompt(): string;
  /** Runs one line; `close` when the user left the session. */
  execute(line: string): { output: string; close?: boolean };
}
