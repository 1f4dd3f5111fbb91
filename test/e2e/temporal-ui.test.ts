import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromiumUnavailable, launchChromium } from '../helpers/chromium';
import { startProduct, type Product } from '../helpers/product';
import { artifacts, book, ENCRYPTED, settledText, workflowPage } from './temporal-ui-support';

// `npm start` on non-default ports, then the Temporal UI in a real (headless) Chromium: the
// booking's page, a host child's page and the memo show decoded JSON, with no codec banner.
const unavailable = chromiumUnavailable();
let product: Product | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (unavailable) return;
  mkdirSync(artifacts, { recursive: true });
  product = await startProduct();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

describe.skipIf(unavailable !== '')(`the Temporal UI of npm start${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('shows the booking, its host child and its memo decoded, with no codec banner, on non-default ports', { timeout: 300_000 }, async () => {
    const p = product!;
    expect(p.ui).not.toContain(':8233');
    const id = `ui-${Date.now()}`;
    await book(p, id);
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1600 } });

    const booking = await workflowPage(page, p.ui, `booking-${id}`, '"purpose": "ui decode check"', 'ui-booking.png');
    expect(booking).toContain('"purpose": "ui decode check"');
    expect(booking).toContain('"image": "ubuntu-22.04"');
    expect(booking).not.toContain(ENCRYPTED);
    expect(booking).not.toMatch(/codec server|could not (connect|decode)/i);

    await page.getByText('Memo', { exact: true }).first().click();
    const memo = await settledText(page, '"requestedBy"');
    await page.screenshot({ path: join(artifacts, 'ui-memo.png'), fullPage: true });
    expect(memo).toMatch(/"purpose":\s*"ui decode check"/);
    expect(memo).not.toContain(ENCRYPTED);

    const host = await workflowPage(page, p.ui, `booking-${id}-host-sim-01`, '"image": "ubuntu-22.04"', 'ui-host.png');
    expect(host).toContain('"image": "ubuntu-22.04"');
    expect(host).not.toContain(ENCRYPTED);
    expect(host).not.toMatch(/codec server|could not (connect|decode)/i);
    await page.close();
  });
});
