import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';

/** Debian's Chromium (`apt-get install chromium`, in scripts/setup.sh): playwright-core downloads no browser. */
export const CHROMIUM = process.env.LAAS_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or '' when they can. */
export function chromiumUnavailable(): string {
  return existsSync(CHROMIUM) ? '' : `no Chromium at ${CHROMIUM} (npm run setup installs it)`;
}

/** Headless Chromium; the sandbox needs user namespaces a root test runner does not have. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
