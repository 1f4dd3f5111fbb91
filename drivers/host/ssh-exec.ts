import type { ClientChannel } from 'ssh2';
import { HostCommandFailed, HostCommandTimedOut, HostUnreachable, type ExecResult } from './host';
import { commandLine, commandSummary } from './command-line';
import type { HostSession } from './ssh-session';

/** Output beyond this is a runaway command, not something the lab reads. */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
const STDERR_TAIL_CHARS = 400;

export interface RunOptions {
  timeoutMs: number;
  stdin?: string;
}

function stderrTail(stderr: string): string {
  const trimmed = stderr.trim();
  return trimmed.length > STDERR_TAIL_CHARS ? `...${trimmed.slice(-STDERR_TAIL_CHARS)}` : trimmed;
}

/** Runs argv on an open session; each element reaches the program literally. */
export async function runCommand(session: HostSession, argv: readonly string[], options: RunOptions): Promise<ExecResult> {
  const line = commandLine(argv);
  const summary = commandSummary(argv);

  return new Promise<ExecResult>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let bytes = 0;
    let exit: { code: number | null; signal?: string } | null = null;
    let channel: ClientChannel | null = null;
    let done = false;
    const finish = (outcome: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      // Ask the far side to kill it; closing the channel alone would leave it running unattended.
      try {
        channel?.signal('KILL');
      } catch {
        // The channel may already be gone; closing below is what matters.
      }
      channel?.close();
      finish(() => reject(new HostCommandTimedOut(session.host, summary, options.timeoutMs)));
    }, options.timeoutMs);

    session.client.exec(line, (err, opened) => {
      if (err) {
        finish(() => reject(session.lost ?? new HostUnreachable(session.host, `could not open a session channel: ${err.message}`)));
        return;
      }
      channel = opened;
      // Listeners go on before this callback returns: a quick command's exit status can
      // arrive in the same packet batch as the channel confirmation and be emitted at once.
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_OUTPUT_BYTES) {
          opened.close();
          finish(() => reject(new HostCommandFailed(session.host, summary, -1, `printed more than ${MAX_OUTPUT_BYTES} bytes; stopped`)));
          return;
        }
        into.push(chunk);
      };
      opened.on('data', collect(stdout));
      opened.stderr.on('data', collect(stderr));
      opened.on('exit', (code: number | null, signal?: string) => {
        exit = { code, ...(signal ? { signal } : {}) };
      });
      opened.on('close', () => {
        const out = Buffer.concat(stdout).toString('utf8');
        const errText = Buffer.concat(stderr).toString('utf8');
        finish(() => {
          if (!exit) {
            reject(session.lost ?? new HostUnreachable(session.host, `connection lost while running "${summary}"`));
          } else if (exit.code === 0) {
            resolve({ code: 0, stdout: out, stderr: errText });
          } else if (exit.code === null) {
            reject(new HostCommandFailed(session.host, summary, -1, `killed by signal ${exit.signal ?? 'unknown'} ${stderrTail(errText)}`.trim()));
          } else {
            reject(new HostCommandFailed(session.host, summary, exit.code, stderrTail(errText)));
          }
        });
      });
      opened.end(options.stdin ?? undefined);
    });
  });
}
