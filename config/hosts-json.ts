import { z } from 'zod';

/**
 * The old LaaS backend's `hosts.json`: one entry per host with its dashboard id,
 * FOG name, hostname, default FOG image ids per OS, and its interfaces keyed by
 * MAC, each naming the switch (by management address) and port it is cabled to.
 * Accepted as an object keyed by host, a list of entries, or `{"hosts": [...]}`.
 */
export interface HostsJsonNic {
  mac: string;
  /** PCI bus address, e.g. 0000:01:00.0. */
  bus: string | null;
  /** The switch's management address. */
  switchAddress: string;
  port: string;
  /** OS interface name, e.g. eno49. */
  osName: string;
}

export interface HostsJsonHost {
  name: string;
  externalId: string | null;
  imagingName: string | null;
  defaultImages: Record<string, string>;
  nics: HostsJsonNic[];
}

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const idLike = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);

const nicSchema = z.object({
  mac: z.string().optional(),
  bus: z.string().min(1).optional(),
  switch: z.string().min(1, 'the switch management address is required'),
  port: z.string().min(1, 'the switch port is required'),
  name: z.string().regex(/^[a-zA-Z0-9._-]{1,15}$/, 'an interface name of at most 15 letters, digits, ".", "_" or "-"'),
});

const hostSchema = z.object({
  hostname: z.string().optional(),
  dashboard_id: idLike.optional(),
  laas_id: idLike.optional(),
  fog_name: z.string().min(1).optional(),
  ubuntu_image: idLike.optional(),
  centos_image: idLike.optional(),
  suse_image: idLike.optional(),
  interfaces: z.record(z.string(), z.unknown()),
});

export class HostsJsonError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid hosts.json ${source}:\n  ${problems.join('\n  ')}`);
    this.name = 'HostsJsonError';
  }
}

/** Does this parsed JSON look like a hosts.json rather than our own lab description? */
export function looksLikeHostsJson(raw: unknown): boolean {
  if (Array.isArray(raw)) return true;
  if (!raw || typeof raw !== 'object') return false;
  const o = raw as Record<string, unknown>;
  if ('vlanPool' in o || 'switches' in o) return false;
  if (Array.isArray(o.hosts)) return true;
  return Object.values(o).some((v) => v !== null && typeof v === 'object' && 'interfaces' in v);
}

function entriesOf(raw: unknown): [path: string, key: string | null, value: unknown][] {
  if (Array.isArray(raw)) return raw.map((v, i) => [String(i), null, v]);
  const o = raw as Record<string, unknown>;
  if (Array.isArray(o.hosts)) return o.hosts.map((v, i) => [`hosts.${i}`, null, v]);
  return Object.entries(o).map(([k, v]) => [k, k, v]);
}

/** Parses and checks every entry; all problems are reported together, each with its path in the file. */
export function parseHostsJson(raw: unknown, source: string): HostsJsonHost[] {
  if (!raw || typeof raw !== 'object') throw new HostsJsonError(source, ['(top): expected an object keyed by host or a list of hosts']);
  const problems: string[] = [];
  const hosts: HostsJsonHost[] = [];
  for (const [path, key, value] of entriesOf(raw)) {
    const parsed = hostSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${[path, ...issue.path].join('.')}: ${issue.message}`);
      continue;
    }
    const e = parsed.data;
    const name = e.hostname ?? key;
    if (!name) problems.push(`${path}.hostname: required when hosts are listed rather than keyed by name`);
    // Each interface is checked on its own, so one bad interface does not hide another's problems.
    const nics: HostsJsonNic[] = [];
    for (const [macKey, rawNic] of Object.entries(e.interfaces)) {
      const at = `${path}.interfaces.${macKey}`;
      const nicParsed = nicSchema.safeParse(rawNic);
      if (!nicParsed.success) for (const issue of nicParsed.error.issues) problems.push(`${[at, ...issue.path].join('.')}: ${issue.message}`);
      const givenMac = nicParsed.success ? nicParsed.data.mac : undefined;
      const mac = (givenMac ?? macKey).toLowerCase();
      if (!MAC.test(mac)) problems.push(`${at}.mac: ${JSON.stringify(givenMac ?? macKey)} is not a MAC address like 52:54:00:12:34:56`);
      else if (givenMac && givenMac.toLowerCase() !== macKey.toLowerCase() && MAC.test(macKey.toLowerCase())) problems.push(`${at}.mac: differs from the key it is listed under`);
      if (nicParsed.success) nics.push({ mac, bus: nicParsed.data.bus ?? null, switchAddress: nicParsed.data.switch, port: nicParsed.data.port, osName: nicParsed.data.name });
    }
    if (!name) continue;
    const defaultImages: Record<string, string> = {};
    if (e.ubuntu_image) defaultImages.ubuntu = e.ubuntu_image;
    if (e.centos_image) defaultImages.centos = e.centos_image;
    if (e.suse_image) defaultImages.suse = e.suse_image;
    hosts.push({ name, externalId: e.dashboard_id ?? e.laas_id ?? null, imagingName: e.fog_name ?? null, defaultImages, nics });
  }
  if (problems.length) throw new HostsJsonError(source, problems);
  return hosts;
}
