import { z } from 'zod';

/** Process settings, read from the environment once at start-up. */
export const settingsSchema = z.object({
  /** PostgreSQL connection string for the inventory and projections. */
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/laas'),
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
  /** Where `npm start` keeps the Temporal dev server's SQLite file. */
  LAAS_DATA_DIR: z.string().default('.data'),
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
