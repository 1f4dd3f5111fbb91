import { UI_ORIGINS_ENV_VAR } from '../../config/payload-codec';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * `npm start`'s codec set-up, so the dev server's UI decodes with no manual step: the allowed
 * browser origin follows the UI's port, and on loopback the codec needs no credentials (the dev
 * server's UI sends none: its cluster-level codec setting has only an endpoint). Settings the
 * operator gave win. Answers a line for the banner.
 */
export function codecEnvForDevUi(env: NodeJS.ProcessEnv, apiHost: string, uiPort: number): string {
  if (!env[UI_ORIGINS_ENV_VAR]) env[UI_ORIGINS_ENV_VAR] = `http://127.0.0.1:${uiPort},http://localhost:${uiPort}`;
  if (!env.LAAS_CODEC_AUTH && LOOPBACK.has(apiHost)) env.LAAS_CODEC_AUTH = 'none';
  return env.LAAS_CODEC_AUTH === 'none'
    ? 'the UI decodes payloads (codec open on loopback: LAAS_CODEC_AUTH=none)'
    : 'codec needs the API token (LAAS_CODEC_AUTH=token): see docs/operators.md, "The Temporal UI"';
}
