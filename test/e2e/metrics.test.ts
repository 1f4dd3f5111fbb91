import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProduct, type Product } from '../helpers/product';
import { families, gauge, histogramSeries } from '../helpers/prometheus';
import { book } from './temporal-ui-support';
import { runDoctor } from '../../cli/doctor/doctor';

// `npm start` with its defaults (the worker's metrics on, where the banner says): after one booking, the worker's /metrics (laas's step
// metrics and the Temporal SDK's) and the API's (laas's gauges from PostgreSQL) parse as
// Prometheus text and show the booking's step durations and the booking state counts.
let product: Product | undefined;
let workerMetrics = '';
beforeAll(async () => {
  product = await startProduct();
  // The banner names the worker's /metrics: the API's port + 1 when free, another free port otherwise.
  const shown = /metrics +\S+\/metrics \(API\), http:\/\/(\S+)\/metrics \(worker\)/.exec(product.output());
  expect(shown, product.output()).not.toBeNull();
  workerMetrics = shown![1]!;
});
afterAll(async () => {
  await product?.stop();
});

const STEPS = ['preparePower', 'imageHost', 'configureSwitchPorts', 'writeNetworkFiles', 'installSshKeys'];

describe('metrics after one booking', () => {
  it('the worker shows each step duration by vendor; the API shows the booking by state', { timeout: 300_000 }, async () => {
    const p = product!;
    const apiBefore = await (await fetch(`${p.api}/metrics`)).text();
    const activeBefore = gauge(apiBefore, 'laas_bookings').filter((s) => s.labels.state === 'active').reduce((n, s) => n + s.value, 0);
    await book(p, `metrics-${Date.now()}`);

    const worker = await (await fetch(`http://${workerMetrics}/metrics`)).text();
    const names = families(worker).map((f) => f.name);
    expect(names).toContain('laas_step_duration_seconds');
    const durations = histogramSeries(worker, 'laas_step_duration_seconds');
    for (const step of STEPS) {
      const of = (series: string) => durations.find((d) => d.series === series && d.labels.step === step && d.labels.outcome === 'ok');
      expect(of('count')?.value, step).toBeGreaterThanOrEqual(1);
      expect(of('sum')?.value, step).toBeGreaterThan(0);
      // The simulated lab's devices: the vendor label names the driver type the step ran against.
      expect(of('count')?.labels.vendor, step).toBe('sim');
    }
    // The Temporal SDK's own metrics are on the same page.
    expect(names.some((n) => n.startsWith('temporal_activity_execution_latency'))).toBe(true);

    const api = await (await fetch(`${p.api}/metrics`)).text();
    const bookings = gauge(api, 'laas_bookings');
    const active = bookings.filter((s) => s.labels.state === 'active').reduce((n, s) => n + s.value, 0);
    expect(active).toBe(activeBefore + 1);
    expect(bookings.map((s) => s.labels.state)).toEqual(expect.arrayContaining(['held', 'needs_cleanup', 'failed']));
    expect(gauge(api, 'laas_hosts_allocated').reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(1);
    expect(gauge(api, 'laas_hosts').some((s) => s.labels.state === 'maintenance')).toBe(true);
    expect(gauge(api, 'laas_api_process_resident_memory_bytes')[0]!.value).toBeGreaterThan(0);
  });

  it('laas doctor passes on npm start, naming the schema version', { timeout: 60_000 }, async () => {
    const p = product!;
    const env = { DATABASE_URL: p.databaseUrl, TEMPORAL_ADDRESS: p.temporal, LAAS_API_URL: p.api, LAAS_API_TOKEN: p.token };
    const report = await runDoctor({ env, probe: false, timeoutMs: 5_000, concurrency: 2 });
    expect(report.findings.filter((f) => f.level === 'error')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.findings.find((f) => f.place === 'database schema')?.message).toMatch(/applied, as expected$/);
  });
});
