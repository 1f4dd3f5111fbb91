import type { ConsoleOpener, ConsoleStream } from './source';

interface Session {
  /** Bounded: the newest `limit` bytes of the console. */
  chunks: Buffer[];
  size: number;
  stream: ConsoleStream | null;
  /** Why the console stopped by itself, if it did. */
  ended: string | null;
  listeners: Set<(chunk: Buffer) => void>;
}

/**
 * Long-lived capture of nodes' serial consoles: one reader per node (SOL, obmd, ...) appending to
 * a bounded log that HIL's console API reads, with live listeners (WebSockets). Stopping a node's
 * console ends its reader and deletes its log, as HIL's stop_console and detach_node did.
 */
export class ConsoleHub {
  private readonly sessions = new Map<string, Session>();
  private readonly starting = new Map<string, Promise<void>>();

  constructor(
    private readonly open: ConsoleOpener,
    private readonly limit = 256 * 1024,
  ) {}

  /** Starts capturing (a no-op while a capture runs); a capture that ended is started again, its log kept. */
  async start(node: string): Promise<void> {
    const pending = this.starting.get(node);
    if (pending) return pending;
    const existing = this.sessions.get(node);
    if (existing?.stream && existing.ended === null) return;
    const session: Session = existing ?? { chunks: [], size: 0, stream: null, ended: null, listeners: new Set() };
    const begin = (async () => {
      const stream = await this.open(node);
      session.stream = stream;
      session.ended = null;
      this.sessions.set(node, session);
      stream.onData((chunk) => this.append(session, chunk));
      stream.onEnd((reason) => {
        if (session.stream === stream) session.ended = reason;
      });
    })();
    this.starting.set(node, begin);
    try {
      await begin;
    } finally {
      this.starting.delete(node);
    }
  }

  private append(session: Session, chunk: Buffer): void {
    session.chunks.push(chunk);
    session.size += chunk.length;
    while (session.size > this.limit && session.chunks.length > 0) {
      const first = session.chunks[0]!;
      const over = session.size - this.limit;
      if (first.length <= over) {
        session.chunks.shift();
        session.size -= first.length;
      } else {
        session.chunks[0] = first.subarray(over);
        session.size -= over;
      }
    }
    for (const l of session.listeners) l(chunk);
  }

  has(node: string): boolean {
    return this.sessions.has(node);
  }

  /** The log so far, or null when the node's console is not being captured. */
  log(node: string): Buffer | null {
    const session = this.sessions.get(node);
    return session ? Buffer.concat(session.chunks) : null;
  }

  /** Why the capture ended by itself, or null while it runs. */
  endedBecause(node: string): string | null {
    return this.sessions.get(node)?.ended ?? null;
  }

  /** Live bytes from now on; returns the unsubscribe function. */
  subscribe(node: string, listener: (chunk: Buffer) => void): () => void {
    const session = this.sessions.get(node);
    if (!session) throw new Error(`console of ${node} is not being captured`);
    session.listeners.add(listener);
    return () => session.listeners.delete(listener);
  }

  /** Ends the capture and deletes the log; true when there was one. */
  async stop(node: string): Promise<boolean> {
    await this.starting.get(node)?.catch(() => undefined);
    const session = this.sessions.get(node);
    if (!session) return false;
    this.sessions.delete(node);
    session.listeners.clear();
    await session.stream?.stop();
    return true;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((n) => this.stop(n)));
  }
}
