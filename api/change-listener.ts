import pg from 'pg';

/**
 * How long a cache that listens keeps one answer: between three quarters of its max age and all of
 * it, at random, so answers kept together (a dashboard's first poll of everything) do not expire together.
 */
export function keepFor(maxAgeMs: number): number {
  return Math.ceil(maxAgeMs * (0.75 + Math.random() / 4));
}

/** Whether a kept answer is in the last quarter of its max age: asked for now, it is read again in the background. */
export function nearMaxAge(cache: { getRemainingTTL(key: string): number }, key: string, maxAgeMs: number): boolean {
  return cache.getRemainingTTL(key) <= maxAgeMs / 4;
}

/** What a cache in the API does with PostgreSQL's notifications. */
export interface ChangeSubscriber {
  /** A notification on one of the listened channels (delivered in commit order). */
  changed(channel: string, payload: string): void;
  /** The listening connection is gone: a change may be missed from now on, so nothing kept is trusted. */
  lost(): void;
}

export interface ChangeListenerOptions {
  /** After a lost connection, the wait before connecting again. */
  reconnectMs?: number;
  warn?: (message: string) => void;
}

/**
 * One PostgreSQL connection that LISTENs on the channels the API's caches depend on (the read
 * model's, the tokens'), connecting again whenever it is lost. `listening` is true only while the
 * connection is up and listening on every channel: a cache keeps nothing otherwise.
 */
export class ChangeListener {
  private client: pg.Client | null = null;
  private up = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly subscribers: ChangeSubscriber[] = [];

  constructor(
    private readonly databaseUrl: string,
    private readonly channels: readonly string[],
    private readonly options: ChangeListenerOptions = {},
  ) {}

  get listening(): boolean {
    return this.up;
  }

  subscribe(subscriber: ChangeSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /** Connects and listens; resolves once listening (or after the first failure, retrying in the background). */
  async start(): Promise<void> {
    await this.listen();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.drop();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private drop(): void {
    this.up = false;
    for (const s of this.subscribers) s.lost();
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 10_000, keepAlive: true });
    const lost = (why: string) => {
      if (this.client !== client) return;
      this.client = null;
      this.drop();
      if (this.closed) return;
      this.options.warn?.(`change listener: ${why}; booking reads and tokens go to PostgreSQL until it listens again`);
      client.end().catch(() => undefined);
      this.retry = setTimeout(() => void this.listen(), this.options.reconnectMs ?? 2_000);
    };
    client.on('error', (err) => lost(`listening connection lost (${err.message})`));
    client.on('end', () => lost('listening connection ended'));
    client.on('notification', (n) => {
      if (!this.channels.includes(n.channel)) return;
      for (const s of this.subscribers) s.changed(n.channel, n.payload ?? '');
    });
    this.client = client;
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      if (this.client === client) this.up = true;
    } catch (err) {
      lost(`cannot listen (${(err as Error).message})`);
    }
  }
}
