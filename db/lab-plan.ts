import { parse as parseYaml } from 'yaml';
import { HostsJsonError, looksLikeHostsJson, parseHostsJson, type HostsJsonHost } from '../config/hosts-json';
import { labSchema, type Lab } from '../config/lab';
import { InventoryError, isInventoryError } from './errors';
import type { BmcInfo } from './hosts';
import { checkAddress, checkLabel, checkPortLabel } from './labels';
import type { OsFamily } from './tables/images';
import type { SwitchType } from './tables/switches';

/**
 * What a lab description says the inventory should be, whichever format it came
 * in. Every part keeps its path in the file so problems can point at it.
 */
export interface PlanSwitch {
  path: string;
  name: string;
  type: SwitchType;
  address: string;
  port: number | null;
  credential: string | null;
  options: Record<string, string>;
}

export interface PlanNic {
  path: string;
  label: string;
  mac: string;
  bus: string | null;
  osName: string;
  switch: string;
  port: string;
}

/** `undefined` means the format does not say, and the inventory's value is kept. */
export interface PlanHost {
  path: string;
  name: string;
  flavor: string | null | undefined;
  bmc: BmcInfo | null | undefined;
  ssh: { address: string; port: number } | null | undefined;
  imagingName: string | null;
  externalId: string | null;
  defaultImages: Record<string, string>;
  nics: PlanNic[];
}

export interface PlanImage {
  path: string;
  name: string;
  imagingId: string;
  osFamily: OsFamily;
}

export interface LabPlan {
  source: string;
  /** Our lab description says everything about what it lists; a hosts.json only some of it. */
  format: 'lab' | 'hosts-json';
  lab: { name: string; maxLeaseHours: number | null; headnodeImage: string | null };
  /** The whole pool, or null when the format has none (hosts.json): the pool is then left as it is. */
  vlanPool: number[] | null;
  switches: PlanSwitch[];
  hosts: PlanHost[];
  images: PlanImage[];
}

/** A lab file refused whole: every problem, each with its path in the file. */
export class LabImportError extends InventoryError {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super('InvalidLabFile', `${source} was not imported; ${problems.length} problem(s):\n  ${problems.join('\n  ')}`, { source, problems });
  }
}

export interface HostsJsonOptions {
  /** The lab the hosts belong to (hosts.json does not say). */
  lab?: string | undefined;
  /** Driver of the switches it names by address; the labs ran Nexus over NX-API. */
  switchType?: SwitchType | undefined;
  /** Flavor to give the hosts, so they can be booked as "any host like this". */
  flavor?: string | undefined;
}

/** Parses our lab description (YAML or JSON) or an old hosts.json, and checks it on its own. */
export function readLabFile(text: string, source: string, options: HostsJsonOptions = {}): LabPlan {
  let raw: unknown;
  const json = source.endsWith('.json');
  try {
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new LabImportError(source, [`(file): not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`]);
  }
  const plan = json && looksLikeHostsJson(raw) ? planFromHostsJson(raw, source, options) : planFromLab(raw, source);
  const problems = checkPlan(plan);
  if (problems.length) throw new LabImportError(source, problems);
  return plan;
}

function planFromLab(raw: unknown, source: string): LabPlan {
  const parsed = labSchema.safeParse(raw);
  if (!parsed.success) throw new LabImportError(source, parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`));
  const lab: Lab = parsed.data;
  const pool: number[] = [];
  for (let v = lab.vlanPool.from; v <= lab.vlanPool.to; v++) pool.push(v);
  return {
    source,
    format: 'lab',
    lab: { name: lab.name, maxLeaseHours: lab.maxLeaseHours, headnodeImage: lab.headnodeImage },
    vlanPool: pool,
    switches: lab.switches.map((s, i) => ({ path: `switches.${i}`, name: s.name, type: s.type, address: s.address, port: s.port ?? null, credential: s.credential, options: { ...(s.options ?? {}) } })),
    images: lab.images.map((im, i) => ({ path: `images.${i}`, name: im.name, imagingId: im.imagingId, osFamily: im.osFamily })),
    hosts: lab.hosts.map((h, i) => ({
      path: `hosts.${i}`,
      name: h.name,
      flavor: h.flavor,
      // The simulated lab's BMCs are addressed sim://...; everything else speaks IPMI.
      bmc: { type: h.bmc.type, address: h.bmc.address, port: h.bmc.port, credential: h.bmc.credential },
      ssh: { address: h.ssh.address, port: h.ssh.port },
      imagingName: null,
      externalId: null,
      defaultImages: {},
      nics: h.nics.map((n, j) => ({ path: `hosts.${i}.nics.${j}`, label: n.name, mac: n.mac.toLowerCase(), bus: null, osName: n.name, switch: n.switch, port: n.port })),
    })),
  };
}

function planFromHostsJson(raw: unknown, source: string, options: HostsJsonOptions): LabPlan {
  let hosts: HostsJsonHost[];
  try {
    hosts = parseHostsJson(raw, source);
  } catch (err) {
    if (err instanceof HostsJsonError) throw new LabImportError(source, err.problems);
    throw err;
  }
  if (!options.lab) throw new LabImportError(source, ['(file): a hosts.json does not name its lab; give one (laas lab import --lab NAME)']);
  const switches = new Map<string, PlanSwitch>();
  const planHosts = hosts.map((h): PlanHost => {
    const path = Array.isArray(raw) ? String(hosts.indexOf(h)) : h.name;
    return {
      path,
      name: h.name,
      flavor: options.flavor,
      bmc: undefined,
      ssh: undefined,
      imagingName: h.imagingName,
      externalId: h.externalId,
      defaultImages: h.defaultImages,
      nics: h.nics.map((n) => {
        // Switches are named by their management address, as hosts.json knows them.
        if (!switches.has(n.switchAddress)) {
          switches.set(n.switchAddress, { path: `${path}.interfaces.${n.mac}.switch`, name: n.switchAddress, type: options.switchType ?? 'nxapi', address: n.switchAddress, port: null, credential: null, options: {} });
        }
        return { path: `${path}.interfaces.${n.mac}`, label: n.osName, mac: n.mac, bus: n.bus, osName: n.osName, switch: n.switchAddress, port: n.port };
      }),
    };
  });
  return { source, format: 'hosts-json', lab: { name: options.lab, maxLeaseHours: null, headnodeImage: null }, vlanPool: null, switches: [...switches.values()], hosts: planHosts, images: [] };
}

function problemOf(path: string, check: () => unknown): string[] {
  try {
    check();
    return [];
  } catch (err) {
    if (isInventoryError(err)) return [`${path}: ${err.message}`];
    throw err;
  }
}

/** Checks that need the whole file: names, duplicates, two NICs on one port. */
export function checkPlan(plan: LabPlan): string[] {
  const problems: string[] = [...problemOf('name', () => checkLabel('lab', plan.lab.name))];
  const firstAt = new Map<string, string>();
  const unique = (key: string, path: string, what: string) => {
    const seen = firstAt.get(key);
    if (seen) problems.push(`${path}: ${what} is also at ${seen}`);
    else firstAt.set(key, path);
  };
  for (const s of plan.switches) {
    problems.push(...problemOf(`${s.path}.name`, () => checkLabel('switch', s.name)), ...problemOf(`${s.path}.address`, () => checkAddress('switch address', s.address)));
    unique(`switch ${s.name}`, `${s.path}.name`, `switch ${s.name}`);
  }
  for (const im of plan.images) unique(`image ${im.name}`, `${im.path}.name`, `image ${im.name}`);
  for (const h of plan.hosts) {
    problems.push(...problemOf(`${h.path}.name`, () => checkLabel('host', h.name)));
    if (h.bmc) problems.push(...problemOf(`${h.path}.bmc.address`, () => checkAddress('BMC address', h.bmc!.address)));
    unique(`host ${h.name}`, `${h.path}.name`, `host ${h.name}`);
    for (const n of h.nics) {
      problems.push(...problemOf(`${n.path}.port`, () => checkPortLabel(n.port)));
      unique(`nic ${h.name} ${n.label}`, n.path, `NIC ${n.label} of host ${h.name}`);
      unique(`mac ${n.mac}`, `${n.path}.mac`, `MAC ${n.mac}`);
      unique(`port ${n.switch} ${n.port}`, `${n.path}.port`, `port ${n.port} of switch ${n.switch}`);
    }
  }
  return problems;
}
