import { expect } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Product } from '../helpers/product';

/** Screenshots of the browser tests: test artifacts, kept out of git with the rest of .data/. */
export const artifacts = join(import.meta.dirname, '..', '..', '.data', 'artifacts');
/** base64 of the metadata value binary/encrypted: what the UI shows of a payload it could not decode. */
export const ENCRYPTED = 'YmluYXJ5L2VuY3J5cHRlZA==';

export async function book(p: Product, id: string): Promise<void> {
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
export async function settledText(page: Page, expected: string, timeoutMs = 45_000): Promise<string> {
  let text = '';
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await page.waitForTimeout(500)) {
    text = await page.innerText('body');
    if (text.includes(expected) && !text.includes(ENCRYPTED)) break;
  }
  return text;
}

export async function workflowPage(page: Page, ui: string, workflowId: string, expected: string, shot: string, timeoutMs = 45_000): Promise<string> {
  await page.goto(`${ui}/namespaces/default/workflows/${workflowId}`);
  const text = await settledText(page, expected, timeoutMs);
  await page.screenshot({ path: join(artifacts, shot), fullPage: true });
  return text;
}

