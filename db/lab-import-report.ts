/** What one import did, for people (`changes`, `warnings`) and for scripts (the lists). */
export interface ImportReport {
  lab: string;
  /** What changed, one line per change; empty when the inventory already matched. */
  changes: string[];
  /** The lab, images, switches and hosts the file describes, by what the import did to each ("host pod-01"). */
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Hosts, switches and images of the lab that the file does not describe: left as they are, never deleted. */
  notInFile: string[];
  /** Things that work but need attention (e.g. a credential not set yet, a host not in the file). */
  warnings: string[];
}

type Outcome = 'created' | 'updated' | 'unchanged';

/**
 * Collects the change lines and, per thing the file describes (its lab, each image, switch and
 * host), whether it was created, updated or already as described. A host's NICs and cabling count
 * as the host's; the VLAN pool as the lab's.
 */
export class Tally {
  readonly changes: string[] = [];
  private readonly outcomes = new Map<string, Outcome>();

  seen(thing: string): void {
    if (!this.outcomes.has(thing)) this.outcomes.set(thing, 'unchanged');
  }

  created(thing: string): void {
    this.outcomes.set(thing, 'created');
    this.changes.push(`${thing}: added`);
  }

  /** A change to `thing`; `line` is what a person reads. */
  updated(thing: string, line: string): void {
    if (this.outcomes.get(thing) !== 'created') this.outcomes.set(thing, 'updated');
    this.changes.push(line);
  }

  list(outcome: Outcome): string[] {
    return [...this.outcomes].filter(([, o]) => o === outcome).map(([thing]) => thing);
  }
}

function shown(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (typeof v === 'object') return JSON.stringify(Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** "field: old → new" for each field of `after` that differs from `before`. */
export function differences(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return Object.keys(after)
    .filter((k) => shown(before[k]) !== shown(after[k]))
    .map((k) => `${k} ${shown(before[k])} → ${shown(after[k])}`);
}

/** Per-key differences of two option maps ("options.hostKeySha256 SHA256:a → SHA256:b"), keys in order. */
export function optionDifferences(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.filter((k) => before[k] !== after[k]).map((k) => `options.${k} ${shown(before[k])} → ${shown(after[k])}`);
}

/** 1500-1509, 1520 */
export function ranges(vlans: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < vlans.length; ) {
    let j = i;
    while (j + 1 < vlans.length && vlans[j + 1] === vlans[j]! + 1) j++;
    out.push(i === j ? `${vlans[i]}` : `${vlans[i]}-${vlans[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}
