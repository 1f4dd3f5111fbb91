import { chromium, type Browser, type Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

// Browser tests drive Debian's Chromium (apt package `chromium`, installed by `npm run setup`)
// through playwright-core, which downloads no browser of its own. Headless, always.

const root = join(import.meta.dirname, '..', '..');
export const CHROMIUM = process.env.LAAS_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of every browser test, kept after the run. */
export const ARTIFACTS = join(root, '.data', 'artifacts');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run npm run setup (Debian package chromium), or set LAAS_CHROMIUM`);
  // As root Chromium needs --no-sandbox; the pages it opens are this test's own.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A full-page screenshot under .data/artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The console's bundle, built as `npm run setup` builds it when a test run finds none. */
export function ensureConsoleBuilt(): void {
  if (!existsSync(join(root, 'console', 'dist', 'index.html'))) execFileSync('npm', ['run', '--silent', 'console:build'], { cwd: root, stdio: 'inherit' });
}
