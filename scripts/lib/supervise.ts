import type { ChildProcess } from 'node:child_process';

export interface SupervisedOptions {
  /** What the process is, in messages ("worker", "api", "Temporal dev server"). */
  name: string;
  /** Starts the process (again). */
  start(): ChildProcess | Promise<ChildProcess>;
  say(line: string): void;
  /** True once everything is being stopped: an exit then is expected. */
  stopping(): boolean;
  /** Called when the process keeps dying: `maxRestarts` within `windowMs`. */
  giveUp(reason: string): void;
  /** First pause before a restart, doubled each time up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  maxRestarts?: number;
  windowMs?: number;
}

/**
 * Keeps one child process running: when it exits unexpectedly it is started again after a
 * back-off (1 s, 2 s, 4 s ... up to 30 s), and `say` tells the operator each time. A process that
 * dies `maxRestarts` times within `windowMs` is given up on, with the reason.
 */
export class Supervised {
  private child: ChildProcess | undefined;
  private restarts: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** How many times it was restarted so far. */
  count = 0;

  constructor(private readonly options: SupervisedOptions) {}

  async start(): Promise<this> {
    this.watch(await this.options.start());
    return this;
  }

  /** The running process, if any (for stopping it). */
  get current(): ChildProcess | undefined {
    return this.child;
  }

  cancel(): void {
    clearTimeout(this.timer);
  }

  private watch(child: ChildProcess): void {
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.options.stopping()) return;
      const now = Date.now();
      const windowMs = this.options.windowMs ?? 300_000;
      this.restarts = [...this.restarts.filter((t) => now - t < windowMs), now];
      const max = this.options.maxRestarts ?? 10;
      if (this.restarts.length > max) {
        this.options.giveUp(`${this.options.name} exited ${this.restarts.length} times within ${Math.round(windowMs / 1000)} s; giving up`);
        return;
      }
      const pause = Math.min((this.options.backoffMs ?? 1_000) * 2 ** (this.restarts.length - 1), this.options.maxBackoffMs ?? 30_000);
      this.options.say(`${this.options.name} exited (${signal ?? code}); restarting it in ${pause / 1000} s (restart ${this.restarts.length} of at most ${max} in ${Math.round(windowMs / 1000)} s)`);
      this.timer = setTimeout(() => {
        if (this.options.stopping()) return;
        Promise.resolve(this.options.start()).then(
          (next) => {
            this.count++;
            this.options.say(`${this.options.name} restarted (pid ${next.pid})`);
            this.watch(next);
          },
          (err: unknown) => this.options.giveUp(`${this.options.name} could not be restarted: ${err instanceof Error ? err.message : String(err)}`),
        );
      }, pause);
    });
  }
}
