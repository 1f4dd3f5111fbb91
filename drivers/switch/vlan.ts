import { InvalidInput } from '../errors';

/** 0 and 4095 are reserved by 802.1Q; everything a port can carry lies between. */
export const FIRST_VLAN = 1;
export const LAST_VLAN = 4094;

/** A VLAN id that is safe to put on a command line: an integer in 1..4094, nothing else. */
export function checkVlan(vlan: unknown, what = 'VLAN'): number {
  if (typeof vlan !== 'number' || !Number.isInteger(vlan)) {
    throw new InvalidInput(what, String(vlan), 'a VLAN id is a whole number');
  }
  if (vlan < FIRST_VLAN || vlan > LAST_VLAN) {
    throw new InvalidInput(what, String(vlan), `a VLAN id lies in ${FIRST_VLAN}..${LAST_VLAN}`);
  }
  return vlan;
}

/** Checks every id of a list and returns them sorted without duplicates. */
export function checkVlanList(vlans: unknown): number[] {
  if (!Array.isArray(vlans)) throw new InvalidInput('VLAN list', String(vlans), 'expected a list of VLAN ids');
  const ids = vlans.map((v) => checkVlan(v));
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** Reads a switch's VLAN list ("100,200-202", "none", "1-4094") into ids. */
export function parseVlanRanges(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'none') return [];
  if (trimmed === 'all') return allVlans();
  const ids: number[] = [];
  for (const part of trimmed.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new Error(`unreadable VLAN list "${text}"`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let v = from; v <= to; v++) ids.push(v);
  }
  return [...new Set(ids)].sort((a, b) => a - b);
}

export function allVlans(): number[] {
  return Array.from({ length: LAST_VLAN }, (_, i) => i + FIRST_VLAN);
}
