import type { CommandChannel, CommandOutcome } from './channel';
import { checkInterfaceType } from './dellnos9';
import { vendorDriver } from './engine';
import { parseRestLine, restBase, restErrorText, restRequest } from './rest';
import { SwitchUnreachable, type PortVlans, type SwitchTarget } from './switch';
import type { SwitchVendor } from './vendor';
import { parseVlanRanges } from './vlan';

/** NOS interface kinds (HIL's `interface_type` is the REST path's element name). */
export const BROCADE_INTERFACE_TYPES = ['GigabitEthernet', 'TenGigabitEthernet', 'FortyGigabitEthernet', 'HundredGigabitEthernet'] as const;

/**
 * Brocade VDX (NOS) through its REST API, request by request as HIL's brocade.py sends them:
 * the port is `/interface/<type>/"<port>"` (quotes as %22, slashes literal) and everything is
 * under its `switchport` resource. Two departures, both noted: HIL's add payload is
 * `<vlan><add>102</vlan></vlan>` (its closing tag is wrong) and we send the well-formed
 * `<add>102</add>`; and a reset also puts the port in trunk mode, so an access port's VLAN is
 * not left behind. HIL never saves (its `disconnect` does nothing) and creates no VLANs; here a
 * VLAN is created with `POST /interface <Vlan>` as NOS's `interface Vlan <id>`.
 */
export function brocadeCommands(interfaceType = 'TenGigabitEthernet'): SwitchVendor {
  const port = `/interface/${interfaceType}/%22{port}%22`;
  const switchport = `POST ${port} <switchport></switchport> | ok 409`;
  const trunkMode = `PUT ${port}/switchport/mode <mode><vlan-mode>trunk</vlan-mode></mode>`;
  const allowed = (body: string) => `PUT ${port}/switchport/trunk/allowed/vlan <vlan>${body}</vlan>`;
  return {
    name: 'brocade',
    port: { pattern: /^\d{1,3}\/\d{1,3}(?:\/\d{1,3})?$/, example: '1/0/3' },
    sessionSetup: [],
    listSeparator: ',',
    emptyList: null,
    configure: { enter: [], leave: [] },
    commands: {
      ensureVlan: ['POST /interface <Vlan><name>{vlan}</name></Vlan> | ok 409'],
      // HIL's _set_native_vlan; a VLAN that becomes native stops being a tagged one first.
      setNativeVlan: [
        switchport,
        trunkMode,
        allowed('<remove>{dropped}</remove>'),
        `DELETE ${port}/switchport/trunk/tag/native-vlan | ok 404`,
        `PUT ${port}/switchport/trunk <trunk><native-vlan>{vlan}</native-vlan></trunk>`,
      ],
      addTaggedVlans: [switchport, trunkMode, allowed('<add>{vlans}</add>')],
      removeTaggedVlans: [allowed('<remove>{vlans}</remove>')],
      // HIL's revert_port: every VLAN off the trunk, then the native VLAN (absent already is fine).
      resetPort: [switchport, trunkMode, allowed('<none>true</none>'), `DELETE ${port}/switchport/trunk/native-vlan | ok 404`],
      readPort: [`GET ${port}/switchport/mode`, `GET ${port}/switchport/access`, `GET ${port}/switchport/trunk`],
      save: [],
    },
    errorPatterns: [/^[45]\d\d .*$/m],
    parsePort: parseBrocadePort,
  };
}

/** Reads the mode, access and trunk resources (HIL's `_get_mode`, `_get_native_vlan`, `_get_vlans`). */
export function parseBrocadePort(text: string): PortVlans {
  const mode = /<vlan-mode>(access|trunk)<\/vlan-mode>/.exec(text)?.[1];
  if (!mode) throw new Error('no <vlan-mode> in the answer');
  if (mode === 'access') {
    const vlan = /<access\b[\s\S]*?<vlan>(\d+)<\/vlan>/.exec(text)?.[1];
    return { native: vlan ? Number(vlan) : null, tagged: [] };
  }
  const trunk = /<trunk\b[\s\S]*<\/trunk>/.exec(text)?.[0] ?? '';
  // The trunk's own <native-vlan> holds a number; the one under <tag> says whether it is tagged.
  const native = /<native-vlan>(\d+)<\/native-vlan>/.exec(trunk)?.[1];
  const add = /<allowed\b[\s\S]*?<add>([^<]*)<\/add>/.exec(trunk)?.[1];
  const nativeVlan = native ? Number(native) : null;
  return { native: nativeVlan, tagged: parseVlanRanges(add ?? '').filter((v) => v !== nativeVlan) };
}

/** Every line is one request to `/rest/config/running<path>`; a status of 400 or more is a refusal unless the line tolerates it. */
export async function openBrocadeChannel(target: SwitchTarget): Promise<CommandChannel> {
  const root = `${restBase(target)}/rest/config/running`;
  // Credentials and reachability are checked now, as the SSH drivers check them at login.
  const probe = await restRequest(target, 'GET', `${root}/interface`);
  if (probe.status >= 400) throw new SwitchUnreachable(target.name, `the REST API answered ${restErrorText(probe)}`);
  return {
    async run(commands): Promise<CommandOutcome[]> {
      const outcomes: CommandOutcome[] = [];
      for (const command of commands) {
        const line = parseRestLine(command);
        if (!line) throw new Error(`brocade template line is not a REST request: ${command}`);
        const answer = await restRequest(target, line.method, `${root}${line.path}`, line.body);
        const ok = answer.status < 400 || line.tolerated.includes(answer.status);
        const output = ok ? answer.text : restErrorText(answer);
        const failed = !ok;
        outcomes.push({ command, output, failed });
        if (failed) break;
      }
      return outcomes;
    },
    close: () => Promise.resolve(),
  };
}

export const brocadeDriver = vendorDriver(
  'brocade',
  (target) => brocadeCommands(checkInterfaceType(target?.options?.interface_type, BROCADE_INTERFACE_TYPES, 'TenGigabitEthernet')),
  (target) => openBrocadeChannel(target),
);
