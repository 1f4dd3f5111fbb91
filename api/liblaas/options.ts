import type { Settings } from '../../config/settings';
import type { LiblaasOptions } from './context';

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The liblaas API's options from the process settings (LAAS_LIBLAAS_*, LAAS_NOTIFY_WEBHOOK_URL). */
export function liblaasOptions(settings: Pick<Settings, 'LAAS_LIBLAAS_PREFIX' | 'LAAS_LIBLAAS_PROJECTS' | 'LAAS_LIBLAAS_TOKEN' | 'LAAS_LIBLAAS_ALLOW' | 'LAAS_NOTIFY_WEBHOOK_URL'>): LiblaasOptions {
  return {
    prefix: settings.LAAS_LIBLAAS_PREFIX,
    projects: list(settings.LAAS_LIBLAAS_PROJECTS),
    token: settings.LAAS_LIBLAAS_TOKEN,
    allow: list(settings.LAAS_LIBLAAS_ALLOW),
    notifyUrl: settings.LAAS_NOTIFY_WEBHOOK_URL,
  };
}
