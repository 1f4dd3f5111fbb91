import { z } from 'zod';

/** Process settings, read from the environment once at start-up. */
export const settingsSchema = z.object({
  /** PostgreSQL connection string for the inventory and projections. */
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/laas'),
  /** Where `npm start` looks for PostgreSQL when DATABASE_URL is unset; when nothing answers there it runs an embedded cluster under LAAS_DATA_DIR. */
  LAAS_DEFAULT_DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/laas'),
  /** Temporal frontend gRPC address. */
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  /** Temporal namespace the bookings live in. */
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** Path of the lab description (YAML or JSON). */
  LAAS_LAB_FILE: z.string().default('config/sim-lab.yaml'),
  /** Bearer token that guards the API (development default when unset). */
  LAAS_API_TOKEN: z.string().min(16, 'LAAS_API_TOKEN must have at least 16 characters').optional(),
  /** Basic-auth password of the development administrator "admin" on HIL's /v0 (unset: no Basic admin; bearer tokens still work). */
  LAAS_ADMIN_PASSWORD: z.string().min(12, 'LAAS_ADMIN_PASSWORD must have at least 12 characters').optional(),
  /** Address and port the API listens on. */
  LAAS_API_HOST: z.string().default('127.0.0.1'),
  LAAS_API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Simulated device latency per step in milliseconds (simulated lab only). */
  LAAS_SIM_LATENCY_MS: z.coerce.number().int().min(0).max(600_000).default(500),
  /** Where `npm start` keeps the Temporal dev server's SQLite file (and the embedded PostgreSQL cluster, when it runs one). */
  LAAS_DATA_DIR: z.string().default('.data'),
  /** The liblaas API (the LaaS 3.0 dashboard's lab API, docs/liblaas.md): served only when true; management network only. */
  LAAS_LIBLAAS_ENABLED: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
  /** Where it is served: the dashboard's LIBLAAS_BASE_URL is http://<api>:<port><prefix>. */
  LAAS_LIBLAAS_PREFIX: z.string().regex(/^\/([A-Za-z0-9_-]+\/)*$/, 'a path starting and ending with /, e.g. /liblaas/').default('/liblaas/'),
  /** Optional shared secret the dashboard's proxy must send in X-Auth-Key (the real dashboard sends none: leave unset for it). */
  LAAS_LIBLAAS_TOKEN: z.string().min(16, 'LAAS_LIBLAAS_TOKEN must have at least 16 characters').optional(),
  /** Comma-separated client addresses or IPv4 CIDRs allowed to call it (the dashboard's server). */
  LAAS_LIBLAAS_ALLOW: z.string().default('127.0.0.1,::1'),
  /** Comma-separated dashboard project names (its PROJECT) this lab serves; the lab's name when unset. */
  LAAS_LIBLAAS_PROJECTS: z.string().optional(),
  /** Webhook that receives expiry notices and extension requests as JSON (logged only when unset). */
  LAAS_NOTIFY_WEBHOOK_URL: z.string().url().optional(),
  /** The API keeps booking reads in memory until PostgreSQL notifies a change to them (api/booking-read-cache.ts); 0 or false: every read queries. */
  LAAS_READ_CACHE: z.enum(['true', 'false', '1', '0']).default('true').transform((v) => v === 'true' || v === '1'),
  /** Workflows the worker keeps in memory (docs/deployment.md, "Sizing a worker"); from its heap when unset (a 4 GiB heap keeps 213). */
  LAAS_WORKER_CACHED_WORKFLOWS: z.coerce.number().int().min(1, 'LAAS_WORKER_CACHED_WORKFLOWS must be at least 1').max(100_000).optional(),
  /** Log level of the worker and API. */
  LAAS_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Who may call the payload codec endpoint: `token` (bearer or session cookie) or `none` (npm start on loopback). */
  LAAS_CODEC_AUTH: z.enum(['token', 'none']).default('token'),
});

export type Settings = z.infer<typeof settingsSchema> & { apiTokenDefaulted: boolean; LAAS_API_TOKEN: string };

/** The token printed by `npm start` when none is configured: fine on a laptop, refused nowhere else by design of the operator. */
export const DEVELOPMENT_API_TOKEN = 'laas-dev-token-change-me';

export class ConfigError extends Error {
  constructor(source: string, problems: string[]) {
    super(`invalid configuration in ${source}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Readonly<Settings> {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError('the environment', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const token = parsed.data.LAAS_API_TOKEN;
  if (parsed.data.LAAS_CODEC_AUTH === 'none' && !LOOPBACK.has(parsed.data.LAAS_API_HOST)) {
    throw new ConfigError('the environment', [`LAAS_CODEC_AUTH: "none" opens the payload codec to anyone who reaches the API; allowed only when LAAS_API_HOST is loopback, not ${parsed.data.LAAS_API_HOST}`]);
  }
  return Object.freeze({ ...parsed.data, LAAS_API_TOKEN: token ?? DEVELOPMENT_API_TOKEN, apiTokenDefaulted: token === undefined });
}
