import { z } from 'zod';
import type { Lab } from '../config/lab';
import { ConfigError } from '../config/settings';
import { parseUserMap } from './connector-users';

/** The dashboard's longest booking: 21 days, extended twice by up to 30 days (reference §9). */
export const DASHBOARD_LONGEST_HOURS = (21 + 2 * 30) * 24;
/** The default safety bound: the longest dashboard booking and three days. */
export const DEFAULT_BOUND_HOURS = DASHBOARD_LONGEST_HOURS + 72;

/** The connector's settings, read from the environment. It is off unless the dashboard is named. */
const schema = z.object({
  /** Base URL of the LaaS dashboard; setting it turns the connector on. */
  LAAS_DASHBOARD_URL: z.url({ protocol: /^https?$/, message: 'an http(s) URL such as https://labs.example.org' }).optional(),
  /** The lab's API token on the dashboard (sent as `auth-token`). */
  LAAS_DASHBOARD_TOKEN: z.string().min(1).optional(),
  /** The lab's name on the dashboard; default the lab description's name. */
  LAAS_DASHBOARD_LAB: z.string().regex(/^[-a-zA-Z0-9_]{1,64}$/, 'letters, digits, "_" or "-" (the dashboard routes lab names as slugs: a "." gets 404)').optional(),
  /** Milliseconds between polls. */
  LAAS_DASHBOARD_POLL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** The laas project the dashboard's bookings belong to. */
  LAAS_DASHBOARD_PROJECT: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a laas project name').default('dashboard'),
  /** Owner of bookings whose job names no user. */
  LAAS_DASHBOARD_OWNER: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a laas user name').default('dashboard'),
  /** Safety bound of each booking in hours, longer than the dashboard's longest booking: reaching it raises an alert event, never a release. */
  LAAS_DASHBOARD_LEASE_HOURS: z.coerce.number().positive().default(DEFAULT_BOUND_HOURS),
  /** Hours before that bound at which a booking the dashboard still runs raises an alert. */
  LAAS_DASHBOARD_ALERT_HOURS: z.coerce.number().positive().default(72),
  /** The lab's public VLAN ids (the dashboard's PublicNetwork rows), comma separated. */
  LAAS_DASHBOARD_PUBLIC_VLANS: z
    .string()
    .regex(/^\s*(\d{1,4}\s*(,\s*\d{1,4}\s*)*)?$/, 'VLAN ids separated by commas, e.g. 1010,1011')
    .default(''),
  /** Dashboard user names that are named differently in laas: `dashname=laasname,...`. */
  LAAS_DASHBOARD_USER_MAP: z.string().default(''),
  /** The login user named in the ssh lines when the booking does not name one. */
  LAAS_DASHBOARD_LOGIN_USER: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a Unix user name').default('root'),
  /** The architecture of the lab's images as pushed to the dashboard (it offers an image to hosts of that architecture). */
  LAAS_DASHBOARD_ARCHITECTURE: z.enum(['x86_64', 'aarch64', 'unknown']).default('x86_64'),
  /** Base URL of the laas API; default http://LAAS_API_HOST:LAAS_API_PORT. */
  LAAS_API_URL: z.url({ protocol: /^https?$/, message: 'an http(s) URL such as http://127.0.0.1:8080' }).optional(),
});

export interface ConnectorSettings {
  dashboardUrl: string;
  dashboardToken: string;
  dashboardLab: string;
  pollMs: number;
  project: string;
  fallbackOwner: string;
  leaseHours: number;
  alertHours: number;
  publicVlans: ReadonlySet<number>;
  userMap: ReadonlyMap<string, string>;
  loginUser: string;
  imageArchitecture: 'x86_64' | 'aarch64' | 'unknown';
  /** Settings that work but that the operator should hear about. */
  warnings: string[];
  apiUrl: string;
  apiToken: string;
}

export type ConnectorConfig = { enabled: false } | ({ enabled: true } & ConnectorSettings);

/** The API's own settings the connector reuses: where it listens and its token. */
export interface ApiSettings {
  LAAS_API_HOST: string;
  LAAS_API_PORT: number;
  LAAS_API_TOKEN: string;
}

export function loadConnectorSettings(env: NodeJS.ProcessEnv, lab: Lab, api: ApiSettings): Readonly<ConnectorConfig> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError('the environment', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const s = parsed.data;
  for (const key of ['LAAS_DASHBOARD_URL', 'LAAS_API_URL'] as const) {
    const url = s[key];
    // Credentials in a URL end up in logs and process lists; the tokens have their own variables.
    if (url && /^[a-z]+:\/\/[^/]*@/i.test(url)) throw new ConfigError('the environment', [`${key}: must not carry a user or password (the tokens have their own variables)`]);
  }
  if (!s.LAAS_DASHBOARD_URL && !s.LAAS_DASHBOARD_TOKEN) return { enabled: false };
  if (!s.LAAS_DASHBOARD_URL) throw new ConfigError('the environment', ['LAAS_DASHBOARD_URL: required when LAAS_DASHBOARD_TOKEN is set']);
  if (!s.LAAS_DASHBOARD_TOKEN) throw new ConfigError('the environment', ['LAAS_DASHBOARD_TOKEN: required when LAAS_DASHBOARD_URL is set']);
  const leaseHours = s.LAAS_DASHBOARD_LEASE_HOURS;
  const warnings: string[] = [];
  let userMap: Map<string, string>;
  try {
    userMap = parseUserMap(s.LAAS_DASHBOARD_USER_MAP);
  } catch (err) {
    throw new ConfigError('the environment', [(err as Error).message]);
  }
  if (leaseHours <= DASHBOARD_LONGEST_HOURS) {
    throw new ConfigError('the environment', [
      `LAAS_DASHBOARD_LEASE_HOURS: ${leaseHours} is not longer than a dashboard booking can run (${DASHBOARD_LONGEST_HOURS} h: 21 days and two 30-day extensions); the safety bound must be longer`,
    ]);
  }
  if (leaseHours > lab.maxLeaseHours) {
    throw new ConfigError('the environment', [
      `LAAS_DASHBOARD_LEASE_HOURS: ${leaseHours} exceeds lab ${lab.name}'s maximum lease of ${lab.maxLeaseHours} hours; raise maxLeaseHours in the lab description to at least ${leaseHours}`,
    ]);
  }
  return Object.freeze({
    enabled: true,
    dashboardUrl: s.LAAS_DASHBOARD_URL,
    dashboardToken: s.LAAS_DASHBOARD_TOKEN,
    dashboardLab: s.LAAS_DASHBOARD_LAB ?? lab.name,
    pollMs: s.LAAS_DASHBOARD_POLL_MS,
    project: s.LAAS_DASHBOARD_PROJECT,
    fallbackOwner: s.LAAS_DASHBOARD_OWNER,
    leaseHours,
    alertHours: s.LAAS_DASHBOARD_ALERT_HOURS,
    publicVlans: new Set(s.LAAS_DASHBOARD_PUBLIC_VLANS.split(',').map((v) => v.trim()).filter(Boolean).map(Number)),
    userMap,
    loginUser: s.LAAS_DASHBOARD_LOGIN_USER,
    imageArchitecture: s.LAAS_DASHBOARD_ARCHITECTURE,
    warnings,
    apiUrl: s.LAAS_API_URL ?? `http://${api.LAAS_API_HOST}:${api.LAAS_API_PORT}`,
    apiToken: api.LAAS_API_TOKEN,
  });
}
