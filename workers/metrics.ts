import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Lab } from '../config/lab';
import { bookingOf } from './logging';

/** Which device each step activity drives: the label `vendor` is that device's type in the lab. */
type Device = 'power' | 'imaging' | 'switch' | 'host' | 'directory' | 'headnode';
const DEVICE_OF: Record<string, Device> = {
  preparePower: 'power',
  powerOffHost: 'power',
  imageHost: 'imaging',
  cancelImaging: 'imaging',
  configureSwitchPorts: 'switch',
  resetSwitchPorts: 'switch',
  writeNetworkFiles: 'host',
  removeNetworkFiles: 'host',
  installSshKeys: 'host',
  removeSshKeys: 'host',
  createVpnAccounts: 'directory',
  resetVpnPasswords: 'directory',
  removeVpnAccounts: 'directory',
  createHeadnode: 'headnode',
  destroyHeadnode: 'headnode',
};

/** From a device step and its host, the vendor (driver type) it runs against: ipmi, fog, nxos, ssh, ldap, libvirt, sim… */
export type VendorOf = (step: string, host: string | undefined) => string | null;

export function vendorsOf(lab: Lab): VendorOf {
  const hosts = new Map(lab.hosts.map((h) => [h.name, h]));
  const switches = new Map(lab.switches.map((s) => [s.name, s.type]));
  return (step, hostName) => {
    const device = DEVICE_OF[step];
    if (!device) return null;
    const host = hostName ? hosts.get(hostName) : undefined;
    switch (device) {
      case 'power':
        return host?.bmc.type ?? 'unknown';
      case 'imaging':
        return lab.imaging.type;
      case 'switch':
        return (host && switches.get(host.nics[0]?.switch ?? '')) ?? 'unknown';
      case 'host':
        return host ? (host.ssh.address.startsWith('sim://') ? 'sim' : 'ssh') : 'unknown';
      case 'directory':
        return lab.directory.type;
      case 'headnode':
        return lab.headnode.type;
    }
  };
}

/** Seconds: a simulated step takes milliseconds, a real imaging up to 90 minutes. */
const BUCKETS = [0.05, 0.25, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 2400, 5400];

export interface StepMetrics {
  registry: Registry;
  duration: Histogram<'step' | 'vendor' | 'outcome'>;
  failures: Counter<'step' | 'vendor' | 'error'>;
  retries: Counter<'step' | 'vendor'>;
}

/** laas's own metrics of the worker process: each device step's duration, failures and retries. */
export function createStepMetrics(): StepMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'laas_worker_' });
  return {
    registry,
    duration: new Histogram({
      name: 'laas_step_duration_seconds',
      help: 'Duration of each attempt of a device step (or undo), by step activity, vendor and outcome (ok, failed)',
      labelNames: ['step', 'vendor', 'outcome'],
      buckets: BUCKETS,
      registers: [registry],
    }),
    failures: new Counter({
      name: 'laas_step_failures_total',
      help: 'Attempts of a device step that failed (retried or for good), by step activity, vendor and error type',
      labelNames: ['step', 'vendor', 'error'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'laas_step_retries_total',
      help: 'Attempts of a device step after its first (Temporal retries), by step activity and vendor',
      labelNames: ['step', 'vendor'],
      registers: [registry],
    }),
  };
}

/** Times every attempt of a device step; other activities (bookkeeping) are left out. */
export function stepMetering(metrics: StepMetrics, vendorOf: VendorOf): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const step = ctx.info.activityType;
        const arg = input.args[0] as { host?: unknown } | undefined;
        const host = typeof arg?.host === 'string' ? arg.host : bookingOf(ctx.info.workflowExecution?.workflowId ?? '').host;
        const vendor = vendorOf(step, host);
        if (!vendor) return next(input);
        if (ctx.info.attempt > 1) metrics.retries.inc({ step, vendor });
        const end = metrics.duration.startTimer({ step, vendor });
        try {
          const result = await next(input);
          end({ outcome: 'ok' });
          return result;
        } catch (err) {
          end({ outcome: 'failed' });
          metrics.failures.inc({ step, vendor, error: err instanceof Error ? err.name : 'Error' });
          throw err;
        }
      },
    },
  });
}

/**
 * The worker's `/metrics` at `host:port`: laas's own metrics followed by the Temporal SDK's (its
 * Prometheus exporter listens at `sdkAt`, on loopback, and is read at each scrape).
 */
export function serveWorkerMetrics(at: string, registry: Registry, sdkAt?: string): Promise<Server> {
  const i = at.lastIndexOf(':');
  const [host, port] = [at.slice(0, i) || '0.0.0.0', Number(at.slice(i + 1))];
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end('not found: try /metrics\n');
      return;
    }
    void (async () => {
      const own = await registry.metrics();
      const sdk = sdkAt ? await fetch(`http://${sdkAt}/metrics`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.text()).catch(() => '') : '';
      response.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${sdk}`);
    })().catch((err: unknown) => response.writeHead(500).end(String(err)));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** A port free on 127.0.0.1 now, for the SDK's exporter (only /metrics above reads it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createTcpServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
