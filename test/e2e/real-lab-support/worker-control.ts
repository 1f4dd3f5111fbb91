import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PauseStep } from './pause-points';

const script = join(import.meta.dirname, 'worker-process.ts');
let spawned = 0;

/**
 * One worker process (worker-process.ts) for a real lab. It loads (imports, connection, bundle)
 * first and polls only after go(), so a test can have the next worker loaded while the current
 * one runs, and restart the lab's worker within moments of killing the old one.
 */
export class WorkerProcess {
  /** The last lines the worker printed, for a failing test's message. */
  output = '';
  private readonly child: ChildProcess;
  private readonly pauseFile: string;
  private readonly steps: PauseStep[];
  private readonly loaded: Promise<void>;
  private exited = false;

  /** `scratch` is a private directory for the pause file; `pause` stops the worker in the middle of that step. */
  constructor(env: NodeJS.ProcessEnv, scratch: string, pause?: PauseStep | PauseStep[]) {
    this.pauseFile = join(scratch, `paused-${++spawned}`);
    const steps = pause === undefined ? [] : [pause].flat();
    this.steps = steps;
    const pauseEnv = steps.length ? { LAAS_E2E_PAUSE_AFTER: steps.join(','), LAAS_E2E_PAUSE_FILE: this.pauseFile } : {};
    this.child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...env, ...pauseEnv, LAAS_E2E_WAIT_FOR_GO: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => (this.output = (this.output + d.toString()).slice(-8000));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.once('exit', () => (this.exited = true));
    this.loaded = this.untilPrinted('worker loaded', 90_000);
    // Whoever awaits it gets the error; an unawaited failure is not a crash of the test run.
    this.loaded.catch(() => undefined);
  }

  /** Starts polling the lab's task queue. */
  async go(): Promise<void> {
    await this.loaded;
    const polling = this.untilPrinted('worker ready', 30_000);
    this.child.stdin?.write('go\n');
    await polling;
  }

  /** Resolves once the worker has stopped in the middle of `step`. */
  async waitForPause(step: PauseStep, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const at = await readFile(this.pauseFile, 'utf8').catch(() => '');
      if (at === step) return;
      // With several pauses, the file names the last step paused in until the next one is reached.
      if (at !== '' && !this.steps.includes(at as PauseStep)) throw new Error(`the worker paused in ${at}, not ${step}`);
      if (this.exited) throw new Error(`the worker exited: ${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the worker did not reach the middle of ${step} within ${timeoutMs} ms: ${this.output}`);
  }

  /** Whether the process is still running (it has not crashed or been stopped). */
  get alive(): boolean {
    return !this.exited && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** A resumable pause (LAAS_E2E_PAUSE_RESUMABLE=1): the step goes on from where it stopped. */
  async resume(step: PauseStep): Promise<void> {
    await writeFile(`${this.pauseFile}.${step}.resume`, '');
  }

  /** SIGKILL: no shutdown, no goodbye to the server; returns the signal the process died of. */
  kill(): Promise<NodeJS.Signals | null> {
    return this.end('SIGKILL');
  }

  /** A graceful stop (SIGTERM), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    await this.end('SIGTERM');
  }

  private untilPrinted(line: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${line}" from the worker within ${timeoutMs} ms: ${this.output}`)), timeoutMs);
      const look = () => {
        if (this.output.includes(line)) {
          clearTimeout(timer);
          resolve();
        }
      };
      this.child.stdout?.on('data', look);
      this.child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the worker exited (${signal ?? code}) before "${line}": ${this.output}`));
      });
      look();
    });
  }

  private async end(signal: NodeJS.Signals): Promise<NodeJS.Signals | null> {
    if (this.exited || this.child.exitCode !== null || this.child.signalCode !== null) return this.child.signalCode;
    const died = new Promise<NodeJS.Signals | null>((resolve) => this.child.once('exit', (_code, s) => resolve(s)));
    this.child.kill(signal);
    const force = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    const how = await died;
    clearTimeout(force);
    return how;
  }
}
