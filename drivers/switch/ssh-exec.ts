import type { Client } from 'ssh2';
import type { CommandChannel, CommandOutcome } from './channel';
import { commandTimeout, connectSsh } from './ssh-connect';
import { SwitchUnreachable, type SwitchTarget } from './switch';

/** One SSH exec per command (a Linux switch host such as Open vSwitch): exit status and output. */
export async function openExecChannel(target: SwitchTarget): Promise<CommandChannel> {
  const conn = await connectSsh(target);
  const timeoutMs = commandTimeout(target);
  return {
    async run(commands, _kind, refused): Promise<CommandOutcome[]> {
      const outcomes: CommandOutcome[] = [];
      for (const command of commands) {
        const { output, code, signal } = await execOne(conn, target.name, command, timeoutMs);
        const interrupted = signal !== undefined || code === SIGALRM_EXIT || /\bAlarm clock\b/.test(output);
        const failed = code !== 0 || refused(output);
        outcomes.push({ command, output, failed, ...(interrupted && failed ? { interrupted } : {}) });
        if (failed) break;
      }
      return outcomes;
    },
    close(): Promise<void> {
      conn.end();
      return Promise.resolve();
    },
  };
}

/** A shell's exit status for a command killed by SIGALRM (128 + 14). */
const SIGALRM_EXIT = 142;

function execOne(conn: Client, sw: string, command: string, timeoutMs: number): Promise<{ output: string; code: number | null; signal?: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new SwitchUnreachable(sw, `no answer within ${timeoutMs} ms to "${command}"`)), timeoutMs);
    conn.exec(command, (err, stream) => {
      if (err) {
        clearTimeout(timer);
        reject(new SwitchUnreachable(sw, err.message));
        return;
      }
      let stdout = '';
      let stderr = '';
      stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      stream.on('close', (code: number | null, signal?: string) => {
        clearTimeout(timer);
        const output = [stdout.trim(), stderr.trim()].filter(Boolean).join('\n');
        resolve(signal ? { output, code, signal } : { output, code });
      });
    });
  });
}
