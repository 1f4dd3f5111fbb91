import { InvalidInput } from '../errors';
import type { CommandChannel, CommandOutcome } from './channel';
import { vendorDriver } from './engine';
import { parseRestLine, restBase, restErrorText, restRequest } from './rest';
import { SwitchUnreachable, type PortVlans, type SwitchTarget } from './switch';
import type { SwitchVendor } from './vendor';
import { parseVlanRanges } from './vlan';

/** HIL's `interface_type` values and the prefix OS9's REST paths give each (M hil/ext/switches/dellnos9.py). */
export const OS9_INTERFACE_TYPES: Readonly<Record<string, string>> = {
  GigabitEthernet: 'gige-',
  TenGigabitEthernet: 'tengig-',
  TwentyfiveGigabitEthernet: 'twentyfivegig-',
  fortyGigE: 'fortygig-',
  peGigabitEthernet: 'pegig-',
  FiftyGigabitEthernet: 'fiftygig-',
  HundredGigabitEthernet: 'hundredgig-',
};

export function checkInterfaceType(value: string | undefined, known: readonly string[], fallback: string): string {
  const type = value ?? fallback;
  if (!known.includes(type)) throw new InvalidInput('interface_type', type, `expected one of ${known.join(', ')}`);
  return type;
}

/**
 * Dell S3048-ON on OS9 through its REST API, as HIL's dellnos9.py drives it. OS9 is VLAN-centric:
 * a port joins a VLAN from inside `interface vlan <id>` (`tagged`/`untagged <type> <port>`), which
 * HIL sends through the REST CLI (`POST /api/running/dell/_operations/cli`); the port itself is
 * turned on (hybrid, switchport, no shutdown) and shut through its interface resource. Lines that
 * start with a method are REST requests (see rest.ts); the others are CLI lines.
 */
export function os9Commands(interfaceType = 'TenGigabitEthernet'): SwitchVendor {
  const prefix = OS9_INTERFACE_TYPES[interfaceType];
  if (!prefix) throw new InvalidInput('interface_type', interfaceType, `expected one of ${Object.keys(OS9_INTERFACE_TYPES).join(', ')}`);
  const resource = `/interfaces/interface/${prefix}{portDashed}`;
  const name = `<name>${prefix}{portDashed}</name>`;
  const portOn = `PUT ${resource} <interface>${name}<portmode><hybrid>true</hybrid></portmode><switchport></switchport><shutdown>false</shutdown></interface>`;
  const portOff = `PUT ${resource} <interface>${name}<portmode><hybrid>false</hybrid></portmode><shutdown>true</shutdown></interface>`;
  const member = (how: string, list: string) => `interface vlan {each:${list}}\n ${how} ${interfaceType} {port}`;
  return {
    name: 'dellnos9',
    port: { pattern: /^\d{1,3}\/\d{1,3}(?:\/\d{1,3})?$/, example: '1/3' },
    sessionSetup: [],
    listSeparator: ',',
    emptyList: null,
    configure: { enter: [], leave: [] },
    commands: {
      ensureVlan: ['interface vlan {vlan}'],
      // A port is untagged in one VLAN only: it leaves the old one (and stops tagging the new one) first.
      setNativeVlan: [portOn, member('no untagged', 'oldNative'), member('no tagged', 'dropped'), `interface vlan {vlan}\n untagged ${interfaceType} {port}`],
      addTaggedVlans: [portOn, member('tagged', 'vlans')],
      removeTaggedVlans: [member('no tagged', 'vlans')],
      // HIL's revert_port: every tagged VLAN off, the untagged one off, then the port shut.
      resetPort: [member('no tagged', 'dropped'), member('no untagged', 'oldNative'), portOff],
      readPort: [`GET ${resource}?with-defaults`, `show interfaces switchport ${interfaceType} {port}`],
      save: ['write'],
    },
    errorPatterns: [/^% Error:.*$/m, /^[45]\d\d .*$/m],
    parsePort: parseOs9Port,
  };
}

/**
 * Reads the interface resource (is the port shut?) and `show interfaces switchport` ("U 1512",
 * "T 1511,1612-1614"). A shut port carries nothing, as HIL's `_is_port_on` check says.
 */
export function parseOs9Port(text: string): PortVlans {
  const shutdown = /<shutdown>(true|false)<\/shutdown>/.exec(text)?.[1];
  if (shutdown === undefined) throw new Error('no <shutdown> in the interface resource');
  if (shutdown === 'true') return { native: null, tagged: [] };
  if (!/Name:\s*\S/.test(text)) throw new Error('no "Name:" in the switchport answer');
  let native: number | null = null;
  const tagged = new Set<number>();
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*([UT])\s+([\d,\s-]+)$/.exec(raw);
    if (!m?.[2]) continue;
    const ids = parseVlanRanges(m[2].replace(/\s+/g, ''));
    if (m[1] === 'U') native = ids[0] ?? null;
    else for (const v of ids) tagged.add(v);
  }
  return { native, tagged: [...tagged].filter((v) => v !== native).sort((a, b) => a - b) };
}

/**
 * The REST channel: method lines go to `/api/running/dell<path>`, CLI lines of a change are sent
 * together as one `<config-commands>` (joined by "\r\n" as HIL joins them), `show ...` as a
 * `<show-command>` and the save as an `<exec-command>`.
 */
export async function openOs9Channel(target: SwitchTarget, vendor: SwitchVendor): Promise<CommandChannel> {
  const root = `${restBase(target)}/api/running/dell`;
  const cli = async (element: string, text: string) => restRequest(target, 'POST', `${root}/_operations/cli`, `<input><${element}>${text}</${element}></input>`);
  // Credentials and reachability are checked now, as the SSH drivers check them at login.
  const probe = await cli('show-command', 'version');
  if (probe.status >= 400) throw new SwitchUnreachable(target.name, `the REST CLI answered ${restErrorText(probe)}`);
  return {
    async run(commands, kind, refused): Promise<CommandOutcome[]> {
      const outcomes: CommandOutcome[] = [];
      let batch: string[] = [];
      const record = (command: string, answer: { status: number; text: string }, tolerated: number[] = []) => {
        const ok = answer.status < 400 || tolerated.includes(answer.status);
        const output = ok ? answer.text : restErrorText(answer);
        // The REST CLI may answer 200 with the CLI's own "% Error:" in its output.
        const failed = !ok || refused(output);
        outcomes.push({ command, output, failed });
        return !failed;
      };
      const flush = async () => {
        const lines = batch;
        batch = [];
        return lines.length === 0 || record(lines.join(' ; '), await cli('config-commands', lines.join('\r\n')));
      };
      for (const command of commands) {
        const rest = parseRestLine(command);
        let fine = true;
        if (rest) fine = (await flush()) && record(command, await restRequest(target, rest.method, `${root}${rest.path}`, rest.body), rest.tolerated);
        else if (kind === 'read' && command.startsWith('show ')) fine = record(command, await cli('show-command', command.slice('show '.length)));
        else if (vendor.commands.save.includes(command)) fine = (await flush()) && record(command, await cli('exec-command', command));
        else batch.push(command);
        if (!fine) return outcomes;
      }
      await flush();
      return outcomes;
    },
    close: () => Promise.resolve(),
  };
}

export const os9Driver = vendorDriver(
  'dellnos9',
  (target) => os9Commands(checkInterfaceType(target?.options?.interface_type, Object.keys(OS9_INTERFACE_TYPES), 'TenGigabitEthernet')),
  openOs9Channel,
);
