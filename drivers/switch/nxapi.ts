import { InvalidInput } from '../errors';
import type { CommandChannel, CommandOutcome } from './channel';
import { vendorDriver } from './engine';
import { nxosCommands } from './nxos';
import { commandTimeout } from './ssh-connect';
import { SwitchAuthFailed, SwitchUnreachable, type SwitchTarget } from './switch';
import type { SwitchVendor } from './vendor';

/** NX-API runs cli_conf input in configuration mode already and pages nothing. */
export const nxapiCommands: SwitchVendor = {
  ...nxosCommands,
  name: 'nxapi',
  prompt: undefined,
  sessionSetup: [],
  configure: { enter: [], leave: [] },
};

interface NxapiOutput {
  code?: string;
  msg?: string;
  clierror?: string;
  body?: unknown;
}

/**
 * Cisco NX-API: `POST /ins` with Basic auth, commands joined by " ;" in one
 * request (laas-pipeline.md). Option `scheme` may be "https".
 */
export async function openNxapiChannel(target: SwitchTarget): Promise<CommandChannel> {
  const scheme = target.options?.scheme ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') throw new InvalidInput('option scheme', scheme, 'expected http or https');
  if (!/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])$/.test(target.address)) {
    throw new InvalidInput('switch address', target.address, 'expected a host name or IP address');
  }
  const url = `${scheme}://${target.address}${target.port ? `:${target.port}` : ''}/ins`;
  const authorization = `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`;
  const timeoutMs = commandTimeout(target);

  async function post(type: 'cli_conf' | 'cli_show_ascii', commands: string[]): Promise<NxapiOutput[]> {
    for (const c of commands) {
      // ";" separates commands in one request: a value carrying it would become a second command.
      if (c.includes(';')) throw new InvalidInput('command', c, 'contains ";"');
    }
    const body = { ins_api: { version: '1.0', type, chunk: '0', sid: '1', input: commands.join(' ;'), output_format: 'json' } };
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new SwitchUnreachable(target.name, cause ?? (err as Error).message);
    }
    if (res.status === 401 || res.status === 403) throw new SwitchAuthFailed(target.name);
    const answer = (await res.json().catch(() => undefined)) as { ins_api?: { outputs?: { output?: NxapiOutput | NxapiOutput[] } } } | undefined;
    const output = answer?.ins_api?.outputs?.output;
    if (output === undefined) throw new SwitchUnreachable(target.name, `NX-API answered HTTP ${res.status} without outputs`);
    return Array.isArray(output) ? output : [output];
  }

  // Credentials are checked now, as the SSH drivers check them at login.
  await post('cli_show_ascii', ['show version']);

  return {
    async run(commands, kind, refused): Promise<CommandOutcome[]> {
      if (commands.length === 0) return [];
      const outputs = await post(kind === 'change' ? 'cli_conf' : 'cli_show_ascii', commands);
      const outcomes: CommandOutcome[] = [];
      for (const [i, command] of commands.entries()) {
        const o = outputs[i];
        const text = o === undefined ? 'no answer for this command' : (o.clierror ?? (typeof o.body === 'string' ? o.body : (o.msg ?? '')));
        const failed = o === undefined || o.code !== '200' || refused(text);
        outcomes.push({ command, output: text, failed });
        if (failed) break;
      }
      return outcomes;
    },
    close: () => Promise.resolve(),
  };
}

export const nxapiDriver = vendorDriver('nxapi', () => nxapiCommands, (target) => openNxapiChannel(target));
