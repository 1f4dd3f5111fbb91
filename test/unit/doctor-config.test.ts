import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Lab } from '../../config/lab';
import { FogApiDisabled } from '../../drivers/imaging/fog-client';
import { BmcAuthFailed, BmcCommandFailed, BmcUnreachable } from '../../drivers/power/power';
import { SwitchUnreachable } from '../../drivers/switch/switch';
import { checkDevices, switchDriversOf } from '../../cli/doctor/check-devices';
import { checkLabServices } from '../../cli/doctor/check-lab';
import { devicesFromFile } from '../../cli/doctor/devices';
import { Findings } from '../../cli/doctor/findings';
import { readLabDescription } from '../../cli/doctor/lab-file';
import { ProbeMismatch, probeTasks } from '../../cli/doctor/probes';
import { renderReport } from '../../cli/doctor/report';
import { classify, ProbeTimedOut, runProbes } from '../../cli/doctor/run-probes';

/** A real-device lab description as an operator writes it; tests change one thing each. */
function labText(change: (lab: Record<string, unknown>) => void = () => undefined): string {
  const lab: Record<string, unknown> = {
    name: 'pod',
    vlanPool: { from: 1000, to: 1099 },
    switches: [{ name: 'leaf1', type: 'nxos', address: '192.0.2.2', credential: 'leaf1' }],
    images: [{ name: 'ubuntu', imagingId: '7', osFamily: 'netplan' }],
    hosts: [
      {
        name: 'node1',
        flavor: 'x86',
        bmc: { type: 'ipmi', address: '192.0.2.11', credential: 'bmc-node1' },
        ssh: { address: '192.0.2.21' },
        nics: [{ name: 'eno1', mac: '52:54:00:00:00:01', switch: 'leaf1', port: 'Ethernet1/1' }],
      },
    ],
    imaging: { type: 'fog', url: 'http://192.0.2.5/fog', credential: 'fog' },
  };
  change(lab);
  return stringify(lab);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laas-doctor-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Reads the lab as doctor does and runs the checks that need no database. */
async function check(text: string): Promise<{ findings: Findings; lab: Lab | null; file: string }> {
  const file = join(dir, `lab-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, text);
  const findings = new Findings();
  const read = await readLabDescription(file, findings);
  if (read) {
    checkLabServices(read.lab, file, findings);
    checkDevices(read.lab, devicesFromFile(read.lab, file), findings);
  }
  return { findings, lab: read?.lab ?? null, file };
}

const host0 = (lab: Record<string, unknown>) => (lab.hosts as Record<string, unknown>[])[0]!;

describe('doctor: the lab description, without touching devices', () => {
  it('finds nothing wrong with a sound description', async () => {
    const { findings } = await check(labText());
    expect(findings.list.filter((f) => f.level !== 'note')).toEqual([]);
  });

  it('names the file and the path of every schema problem at once', async () => {
    const { findings, file } = await check(
      labText((lab) => {
        host0(lab).bmc = { type: 'ipmi', address: '192.0.2.11', port: 70000, credential: 'bmc-node1' };
        (lab.images as Record<string, unknown>[])[0]!.osFamily = 'windows';
      }),
    );
    const places = findings.list.map((f) => f.place);
    expect(places).toContain(`${file} hosts.0.bmc.port`);
    expect(places).toContain(`${file} images.0.osFamily`);
    expect(findings.errors).toBe(2);
  });

  it('says when the file cannot be read at all, naming the setting', async () => {
    const findings = new Findings();
    expect(await readLabDescription(join(dir, 'missing.yaml'), findings)).toBeNull();
    expect(findings.list[0]).toMatchObject({ level: 'error', place: join(dir, 'missing.yaml') });
    expect(findings.list[0]!.message).toContain('LAAS_LAB_FILE');
  });

  it('names a NIC whose port its switch driver rejects, before anything is sent', async () => {
    const { findings, file } = await check(
      labText((lab) => {
        host0(lab).nics = [{ name: 'eno1', mac: '52:54:00:00:00:01', switch: 'leaf1', port: 'gi1/0/1' }];
      }),
    );
    const problem = findings.list.find((f) => f.place === `${file} hosts.0.nics.0.port`);
    expect(problem?.level).toBe('error');
    expect(problem?.message).toContain('switch leaf1 (nxos)');
    expect(problem?.message).toContain('gi1/0/1');
  });

  it('refuses switch options a driver would refuse, and a parking VLAN inside the pool', async () => {
    const { findings, file } = await check(
      labText((lab) => {
        lab.switches = [
          { name: 'leaf1', type: 'nxos', address: '192.0.2.2', credential: 'leaf1', options: { timeoutMs: 'soon', parkingVlan: '1000', hostKeySha256: 'abc', colour: 'blue' } },
        ];
      }),
    );
    const about = (text: string) => findings.list.find((f) => f.place === `${file} switches.0.options` && f.message.includes(text));
    expect(about('option timeoutMs "soon"')?.level).toBe('error');
    expect(about('parking VLAN 1000 lies in the lab')?.level).toBe('error');
    expect(about('option hostKeySha256 must look like')?.level).toBe('error');
    expect(about('ignores option colour')?.level).toBe('warning');
  });

  it('checks HIL\'s Dell and Brocade types: their port rules, interface_type and dummy_vlan', async () => {
    const { findings, file } = await check(
      labText((lab) => {
        lab.switches = [
          { name: 'leaf1', type: 'delln3000', address: '192.0.2.2', credential: 'leaf1', options: { dummy_vlan: '1005' } },
          { name: 's3048', type: 'dellnos9', address: '192.0.2.3', credential: 's3048', options: { interface_type: 'Ethernet' } },
        ];
        host0(lab).nics = [
          { name: 'eno1', mac: '52:54:00:00:00:01', switch: 'leaf1', port: 'gi1/0/1' },
          { name: 'eno2', mac: '52:54:00:00:00:02', switch: 's3048', port: 'gi1/0/2' },
        ];
      }),
    );
    const at = (place: string) => findings.list.filter((f) => f.place === `${file} ${place}` && f.level === 'error').map((f) => f.message);
    expect(at('hosts.0.nics.0.port')).toEqual([]);
    expect(at('hosts.0.nics.1.port')).toEqual([expect.stringContaining('switch s3048 (dellnos9) does not accept this port')]);
    expect(at('switches.0.options')).toEqual([expect.stringContaining('parking VLAN 1005 lies in the lab')]);
    expect(at('switches.1.options')).toEqual([expect.stringContaining('interface_type "Ethernet"')]);
  });

  it('checks directory and headnode options against their drivers', async () => {
    const { findings, file } = await check(
      labText((lab) => {
        lab.directory = { type: 'ldap', credential: 'ldap', options: { url: 'http://ldap', bindDn: 'cn=admin,dc=lab', root: 'dc=lab' } };
        lab.headnode = { type: 'libvirt', options: { uri: 'qemu:///system', imageDir: 'relative/path', overlayDir: '/var/lib/laas', fabric: { kind: 'openvswitch', bridge: 'br-lab' } } };
      }),
    );
    const places = findings.list.filter((f) => f.level === 'error').map((f) => f.place);
    expect(places).toEqual(expect.arrayContaining([`${file} directory.options.url`, `${file} directory.options.vpnGroup`, `${file} headnode.options.imageDir`]));
  });

  it('names a host whose BMC type has no driver; a BMC without a type is IPMI unless its address is sim://', async () => {
    const { findings, lab, file } = await check(labText((lab) => void (host0(lab).bmc = { address: '192.0.2.11', credential: 'bmc-node1' })));
    expect(lab!.hosts[0]!.bmc.type).toBe('ipmi');
    expect(findings.list.filter((f) => f.place === `${file} hosts.0.bmc`)).toEqual([]);
    const devices = devicesFromFile(lab!, file);
    devices.bmcs[0]!.type = 'redfish';
    const more = new Findings();
    checkDevices(lab!, devices, more);
    expect(more.list.filter((f) => f.level === 'error')).toEqual([{ level: 'error', place: `${file} hosts.0.bmc`, message: expect.stringContaining('host node1: BMC type redfish has no driver') as string }]);
  });

  it('plans no call for a device whose credential did not open, and none for simulated devices', async () => {
    const { lab, file } = await check(labText());
    const tasks = probeTasks(lab!, devicesFromFile(lab!, file), new Map(), { timeoutMs: 1000, switchDrivers: switchDriversOf(lab!) });
    const bmc = tasks.find((t) => t.device === 'node1');
    expect(bmc?.call).toBeUndefined();
    expect(bmc?.known).toEqual({ result: 'error', reason: 'credential bmc-node1 is missing or unreadable' });
    expect(tasks.find((t) => t.kind === 'directory')?.known?.result).toBe('simulated');
  });
});

describe('doctor: probe results', () => {
  it('tells refused credentials, timeouts, unreachable devices and other errors apart by error type', () => {
    expect(classify(new BmcAuthFailed('node1')).result).toBe('refused credentials');
    expect(classify(new BmcUnreachable('node1', 'no answer within 2000 ms')).result).toBe('timed out');
    expect(classify(new SwitchUnreachable('leaf1', 'connect ECONNREFUSED 127.0.0.1:22')).result).toBe('unreachable');
    expect(classify(new BmcCommandFailed('node1', 'session refused')).result).toBe('error');
    expect(classify(new FogApiDisabled()).result).toBe('error');
    expect(classify(new ProbeMismatch('answered, but FOG has no host node1'))).toEqual({ result: 'error', reason: 'answered, but FOG has no host node1' });
    expect(classify(new ProbeTimedOut(3000)).result).toBe('timed out');
  });

  it('asks at most `concurrency` devices at once and keeps the rows in order', async () => {
    let inFlight = 0;
    let most = 0;
    const tasks = Array.from({ length: 7 }, (_, i) => ({
      device: `d${i}`,
      kind: 'bmc' as const,
      address: `10.0.0.${i}`,
      call: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (i === 3) throw new BmcAuthFailed(`d${i}`);
        return 'power on';
      },
    }));
    const rows = await runProbes(tasks, { concurrency: 2, timeoutMs: 1000 });
    expect(most).toBe(2);
    expect(rows.map((r) => r.device)).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6']);
    expect(rows[3]).toMatchObject({ result: 'refused credentials', reason: 'BMC of d3 refused the configured credentials' });
    expect(rows.filter((r) => r.result === 'ok')).toHaveLength(6);
  });

  it('prints a table of devices and a verdict that says what failed', () => {
    const lines = renderReport({
      ok: false,
      lab: 'pod',
      file: 'lab.yaml',
      source: 'inventory',
      simulated: false,
      findings: [],
      probe: [
        { device: 'node1', kind: 'bmc', address: '192.0.2.11:623', result: 'ok', reason: 'power on' },
        { device: 'node2', kind: 'bmc', address: '192.0.2.12:623', result: 'refused credentials', reason: 'BMC of node2 refused the configured credentials' },
      ],
    });
    expect(lines).toContain('DEVICE  KIND  ADDRESS         RESULT               REASON');
    expect(lines).toContain('node2   bmc   192.0.2.12:623  refused credentials  BMC of node2 refused the configured credentials');
    expect(lines.at(-1)).toBe('FAILED: 0 configuration error(s), 1 ok, 1 refused credentials');
  });
});
