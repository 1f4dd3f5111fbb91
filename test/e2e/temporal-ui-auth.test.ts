import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumUnavailable, launchChromium } from '../helpers/chromium';
import { startProduct, type Product } from '../helpers/product';
import { artifacts, book, ENCRYPTED, workflowPage } from './temporal-ui-support';

// The production set-up of docs/operators.md ("The Temporal UI", codec behind authentication):
// LAAS_CODEC_AUTH=token. The UI shows ciphertext until the operator unlocks the codec in the
// browser (the session form) and the UI sends credentials (its "Include cross-origin credentials").
const unavailable = chromiumUnavailable();
let product: Product | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (unavailable) return;
  mkdirSync(artifacts, { recursive: true });
  product = await startProduct({ LAAS_CODEC_AUTH: 'token' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

/** The documented steps: the session form with the API token, then the UI's codec dialog. */
async function unlock(page: Page, p: Product): Promise<void> {
  await page.goto(`${p.api}/codec/session`);
  await page.fill('input[name=token]', p.token);
  await page.click('button[type=submit]');
  await page.waitForSelector('text=may now decode');
  await page.goto(`${p.ui}/namespaces/default/workflows`);
  await page.locator('[data-testid^="data-encoder-status"]').first().click();
  // "Use my browser setting and ignore Cluster-level setting", the endpoint, "Include cross-origin credentials".
  // The choice sits in a collapsed menu: click its radio as the menu item would.
  await page.locator('#use-local-endpoint-radio').dispatchEvent('click');
  await page.getByPlaceholder('Paste your endpoint here').fill(`${p.api}/codec`);
  await page.locator('#pass-access-credentials').dispatchEvent('click');
  await page.screenshot({ path: join(artifacts, 'ui-auth-dialog.png') });
  await page.getByRole('button', { name: 'Apply' }).click();
}

describe.skipIf(unavailable !== '')(`the Temporal UI with the codec behind authentication${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('shows ciphertext without credentials, and decoded JSON after the documented steps', { timeout: 300_000 }, async () => {
    const p = product!;
    const id = `uiauth-${Date.now()}`;
    await book(p, id);
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1600 } });

    await page.goto(`${p.ui}/namespaces/default/workflows/booking-${id}`);
    await page.waitForSelector(`text=${ENCRYPTED}`, { timeout: 45_000 });
    await page.screenshot({ path: join(artifacts, 'ui-auth-locked.png'), fullPage: true });
    const locked = await page.innerText('body');
    expect(locked).toContain(ENCRYPTED);
    expect(locked).not.toContain('ui decode check');

    await unlock(page, p);
    const booking = await workflowPage(page, p.ui, `booking-${id}`, '"purpose": "ui decode check"', 'ui-auth-booking.png');
    expect(booking).toContain('"purpose": "ui decode check"');
    expect(booking).not.toContain(ENCRYPTED);
    const host = await workflowPage(page, p.ui, `booking-${id}-host-sim-01`, '"image": "ubuntu-22.04"', 'ui-auth-host.png');
    expect(host).toContain('"image": "ubuntu-22.04"');
    expect(host).not.toContain(ENCRYPTED);
    await page.close();
  });
});
