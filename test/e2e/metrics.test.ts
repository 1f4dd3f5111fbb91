import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/dev-server';
import { startProduct, type Product } from '../helpers/product';
import { book } from './temporal-ui-support';

// `npm start` with the worker's metrics on: after one booking, the worker's /metrics (the
// Temporal SDK's exporter) and the API's parse as Prometheus text and show the steps.
let product: Product | undefined;
let workerMetrics = '';
beforeAll(async () => {
  workerMetrics = `127.0.0.1:${await freePort()}`;
  product = await startProduct({ LAAS_WORKER_METRICS: workerMetrics });
});
afterAll(async () => {
  await product?.stop();
});

/** Prometheus text: comment lines, or `name{labels} value`; anything else fails the parse. */
function samples(text: string): { name: string; labels: string; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)( \d+)?$/.exec(line);
      if (!m) throw new Error(`not Prometheus text: ${line}`);
      return { name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) };
    });
}

describe('metrics after one booking', () => {
  it('the worker shows each step activity and its latency; the API serves Prometheus text', { timeout: 300_000 }, async () => {
    const p = product!;
    await book(p, `metrics-${Date.now()}`);
    const worker = samples(await (await fetch(`http://${workerMetrics}/metrics`)).text());
    for (const step of ['preparePower', 'imageHost', 'configureSwitchPorts', 'writeNetworkFiles', 'installSshKeys']) {
      expect(worker.some((s) => s.name.startsWith('temporal_activity_execution_latency') && s.labels.includes(`activity_type="${step}"`)), step).toBe(true);
    }
    const api = samples(await (await fetch(`${p.api}/metrics`)).text());
    expect(api.some((s) => s.name === 'laas_api_process_resident_memory_bytes' && s.value > 0)).toBe(true);
  });
});
