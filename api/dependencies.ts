import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database';

/** Seconds a client is told to wait before asking again while a dependency is away. */
export const DEPENDENCY_RETRY_AFTER_S = 5;

export interface DependencyState {
  temporal: boolean;
  database: boolean;
}

/**
 * Watches the API's two dependencies (Temporal and PostgreSQL) with cheap probes bounded by a
 * short deadline, so a request can be answered 503 at once while one is away instead of
 * waiting out the client's own retries (about 19 s for Temporal).
 */
export class DependencyMonitor {
  readonly state: DependencyState = { temporal: true, database: true };
  private timer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(
    private readonly temporal: Client,
    private readonly db: Kysely<Database>,
    private readonly options: { everyMs?: number; deadlineMs?: number; onChange?: (name: keyof DependencyState, up: boolean) => void } = {},
  ) {}

  start(): this {
    void this.probe();
    this.timer = setInterval(() => void this.probe(), this.options.everyMs ?? 500);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round of probes (a no-op while the previous round is still out). */
  async probe(): Promise<DependencyState> {
    if (this.probing) return this.state;
    this.probing = true;
    const deadline = this.options.deadlineMs ?? 1_000;
    const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('no answer')), deadline).unref())]);
    try {
      const [temporal, database] = await Promise.all([
        within(this.temporal.workflowService.getSystemInfo({})).then(() => true, () => false),
        within(sql`SELECT 1`.execute(this.db)).then(() => true, () => false),
      ]);
      this.set('temporal', temporal);
      this.set('database', database);
    } finally {
      this.probing = false;
    }
    return this.state;
  }

  private set(name: keyof DependencyState, up: boolean): void {
    if (this.state[name] === up) return;
    this.state[name] = up;
    this.options.onChange?.(name, up);
  }
}

function unavailable(request: FastifyRequest, reply: FastifyReply, name: keyof DependencyState): FastifyReply {
  const message = `${name === 'temporal' ? 'Temporal' : 'the database'} is unavailable; try again shortly`;
  const type = name === 'temporal' ? 'TemporalUnavailable' : 'DatabaseUnavailable';
  reply.header('retry-after', String(DEPENDENCY_RETRY_AFTER_S));
  // HIL's clients read {type, msg} under /v0; everything else the API's own shape.
  return reply.status(503).send(request.url.startsWith('/v0') ? { type, msg: message } : { error: { type, message } });
}

/**
 * While a dependency is away, the routes that need it answer 503 with Retry-After before doing
 * anything: /v1 and /v0 need the database (tokens, inventory, audit, the read model) and /v1's
 * changes need Temporal; /v1's reads come from the read model and go on while Temporal is away.
 * /healthz, /readyz, /metrics, the OpenAPI document and the console are answered as usual.
 */
export function installDependencyGate(app: FastifyInstance, monitor: DependencyMonitor): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (request.routeOptions.config.public) return;
    const v1 = path.startsWith('/v1/');
    if (!v1 && !path.startsWith('/v0/')) return;
    if (!monitor.state.database) return unavailable(request, reply, 'database');
    if (v1 && request.method !== 'GET' && !monitor.state.temporal) return unavailable(request, reply, 'temporal');
  });
  app.addHook('onClose', () => {
    monitor.stop();
    return Promise.resolve();
  });
}
