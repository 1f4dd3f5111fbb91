import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumUnavailable, launchChromium } from '../helpers/chromium';
import { startProduct, type Product } from '../helpers/product';

// `npm start` on non-default ports, then the Temporal UI in a real (headless) Chromium: the
// booking's page, a host child's page and the memo show decoded JSON, with no codec banner.
const unavailable = chromiumUnavailable();
const artifacts = join(import.meta.dirname, '..', '..', '.data', 'artifacts');
const ENCRYPTED = 'YmluYXJ5L2VuY3J5cHRlZA=='; // base64 of the metadata value binary/encrypted
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

async function book(p: Product, id: string): Promise<void> {
  const end = new Date(Date.now() + 3_600_000).toISOString();
  const body = { id, project: 'demo', owner: 'alice', purpose: 'ui decode check', end, networks: [{ name: 'public', public: true }], hosts: [{ name: 'sim-01', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public', tagged: false }] } }] };
  const res = await fetch(`${p.api}/v1/bookings`, { method: 'POST', headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect([201, 202], await res.text()).toContain(res.status);
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    const view = (await (await fetch(`${p.api}/v1/bookings/${id}`, { headers: { authorization: `Bearer ${p.token}` } })).json()) as { state: string };
    if (view.state === 'active') return;
  }
  throw new Error(`booking ${id} never became active`);
}

/** The page's text once `expected` shows and no encrypted payload is left, or the text at the deadline. */
async function settledText(page: Page, expected: string): Promise<string> {
  let text = '';
  for (const deadline = Date.now() + 45_000; Date.now() < deadline; await page.waitForTimeout(500)) {
    text = await page.innerText('body');
    if (text.includes(expected) && !text.includes(ENCRYPTED)) break;
  }
  return text;
}

export async function workflowPage(page: Page, ui: string, workflowId: string, expected: string, shot: string): Promise<string> {
  await page.goto(`${ui}/namespaces/default/workflows/${workflowId}`);
  const text = await settledText(page, expected);
  await page.screenshot({ path: join(artifacts, shot), fullPage: true });
  return text;
}

describe.skipIf(unavailable !== '')(`the Temporal UI of npm start${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('shows the booking, its host child and its memo decoded, with no codec banner, on non-default ports', async () => {
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
