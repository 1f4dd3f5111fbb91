import type { Client, ClientChannel } from 'ssh2';
import type { CommandChannel, CommandOutcome } from './channel';
import { commandTimeout, connectSsh } from './ssh-connect';
import { SwitchUnreachable, type SwitchTarget } from './switch';
import type { SwitchVendor } from './vendor';

/** Terminal escape sequences some switches colour or redraw their output with. */
const ESCAPES = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;?]*[A-Za-z]`, 'g');

/**
 * A switch CLI in an interactive shell: one line at a time, each answer read
 * up to the next prompt, so output is never split between two commands.
 */
class PromptedShell {
  private buffer = '';
  private closed = false;
  private waiter: { resolve: (text: string) => void; reject: (err: Error) => void } | undefined;

  constructor(
    private readonly sw: string,
    private readonly stream: ClientChannel,
    private readonly prompt: RegExp,
    private readonly timeoutMs: number,
  ) {
    const take = (data: Buffer) => {
      this.buffer += data.toString('utf8');
      this.check();
    };
    stream.on('data', take);
    stream.stderr.on('data', take);
    stream.on('close', () => {
      this.closed = true;
      this.waiter?.reject(new SwitchUnreachable(sw, 'the switch closed the session'));
    });
  }

  /** Resolves with everything before the prompt, without carriage returns. */
  waitForPrompt(what: string): Promise<string> {
    if (this.closed) return Promise.reject(new SwitchUnreachable(this.sw, 'the session is closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new SwitchUnreachable(this.sw, `no prompt within ${this.timeoutMs} ms after ${what}`));
      }, this.timeoutMs);
      this.waiter = {
        resolve: (text) => (clearTimeout(timer), resolve(text)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      };
      this.check();
    });
  }

  async command(line: string): Promise<string> {
    this.buffer = '';
    this.stream.write(`${line}\n`);
    const text = await this.waitForPrompt(`"${line}"`);
    const lines = text.split('\n');
    // The terminal echoes what was typed; the answer starts after it.
    if (lines[0]?.trim() === line) lines.shift();
    return lines.join('\n').trim();
  }

  private check(): void {
    if (!this.waiter) return;
    const text = this.buffer.replace(ESCAPES, '').replace(/\r/g, '');
    const cut = text.lastIndexOf('\n');
    const lastLine = text.slice(cut + 1);
    if (!this.prompt.test(lastLine)) return;
    const waiter = this.waiter;
    this.waiter = undefined;
    this.buffer = '';
    waiter.resolve(cut < 0 ? '' : text.slice(0, cut));
  }
}

export async function openShellChannel(target: SwitchTarget, vendor: SwitchVendor): Promise<CommandChannel> {
  if (!vendor.prompt) throw new Error(`vendor ${vendor.name} has no prompt to drive a shell with`);
  const conn: Client = await connectSsh(target);
  try {
    const stream = await new Promise<ClientChannel>((resolve, reject) => {
      conn.shell({ term: 'vt100', cols: 250, rows: 24 }, (err, s) => (err ? reject(new SwitchUnreachable(target.name, err.message)) : resolve(s)));
    });
    const shell = new PromptedShell(target.name, stream, vendor.prompt, commandTimeout(target));
    await shell.waitForPrompt('login');
    return {
      async run(commands, _kind, refused): Promise<CommandOutcome[]> {
        const outcomes: CommandOutcome[] = [];
        for (const command of commands) {
          const output = await shell.command(command);
          const failed = refused(output);
          outcomes.push({ command, output, failed });
          if (failed) break;
        }
        return outcomes;
      },
      close(): Promise<void> {
        conn.end();
        return Promise.resolve();
      },
    };
  } catch (err) {
    conn.end();
    throw err;
  }
}
