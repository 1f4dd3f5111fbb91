import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { DependencyMonitor } from './dependencies';
import { registerLabGauges } from './lab-metrics';
import type { BookingReadCache } from './booking-read-cache';
import type { TokenCache } from './auth/token-cache';

/** How long a readiness check may wait on a dependency before calling it down. */
const CHECK_MS = 2_000;

async function within(what: string, work: Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_MS} ms`)), CHECK_MS);
  });
  try {
    await Promise.race([work, timeout]);
    return 'ok';
  } catch (err) {
    return `${what}: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process is up (a liveness probe restarts it when not). `/readyz`: Temporal and
 * PostgreSQL answer, so requests can be served (a readiness probe takes it out of rotation when
 * not). `/metrics`: Prometheus text of the process and laas's gauges (api/lab-metrics.ts). All three open, outside `/v1`.
 */
export function installHealth(app: FastifyInstance, deps: { temporal: Client; db: Kysely<Database>; monitor?: DependencyMonitor; readCache?: BookingReadCache; tokenCache?: TokenCache }): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'laas_api_' });
  registerLabGauges(registry, deps.db);
  if (deps.readCache) registerReadCacheCounter(registry, deps.readCache);
  if (deps.tokenCache) registerTokenCacheCounter(registry, deps.tokenCache);
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    // With a monitor (npm start, production) its probes answer at once; without, a bounded check.
    const m = deps.monitor?.state;
    const [temporal, postgres] = m
      ? [m.temporal ? 'ok' : 'Temporal: unreachable', m.database ? 'ok' : 'PostgreSQL: unreachable']
      : await Promise.all([within('Temporal', deps.temporal.workflowService.getSystemInfo({})), within('PostgreSQL', sql`select 1`.execute(deps.db))]);
    const ready = temporal === 'ok' && postgres === 'ok';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks: { temporal, postgres } });
  });
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}

/** A cache's lookups by kind and result, read from its own counts at each scrape. */
function registerLookupCounter(registry: Registry, name: string, help: string, lookups: Record<string, Record<string, number>>): void {
  new Counter({
    name,
    help,
    labelNames: ['kind', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, results] of Object.entries(lookups)) for (const [result, n] of Object.entries(results)) this.inc({ kind, result }, n);
    },
  });
}

/** The booking read cache's lookups: a hit ratio near zero says the dashboards' reads find changes (or the cache is not listening). */
function registerReadCacheCounter(registry: Registry, cache: BookingReadCache): void {
  const help = 'Reads of a booking or a booking list by result: hit (from memory), refresh (from memory, read again in the background near its max age), miss (queried), bypass (the cache is not listening)';
  registerLookupCounter(registry, 'laas_api_booking_read_cache_lookups_total', help, cache.lookups);
}

/** The token cache's lookups: misses beyond one per token (and user) every max age say access keeps changing, or the cache is not listening. */
function registerTokenCacheCounter(registry: Registry, cache: TokenCache): void {
  const help =
    'Bearer token checks (token) and the users dashboards act for (user) by result: hit (from memory), refresh (from memory, looked up again in the background near its max age), miss (queried), shared (waited for the same lookup in flight), bypass (the cache is not listening)';
  registerLookupCounter(registry, 'laas_api_token_cache_lookups_total', help, cache.lookups);
}
