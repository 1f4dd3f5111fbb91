/**
 * `laas doctor` against a lab of real counterparts on loopback: two ipmi_sim BMCs,
 * the FOG simulator, the NX-OS simulator over SSH, OpenLDAP and libvirt's test
 * hypervisor, with the inventory and sealed credentials in a throwaway database.
 */
import { Command } from 'commander';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { register } from '../../cli/commands/doctor';
import { CliError, type CliContext } from '../../cli/context';
import type { DoctorReport } from '../../cli/doctor/report';
import { deleteCredential, setCredential } from '../../db/credentials';
import { newKeyEntry, parseKeyring } from '../../db/crypto';
import { freeUdpPort, startIpmiSim, type IpmiSim } from '../../sim/counterparts/ipmi-sim';
import { startSlapd, type Slapd } from '../../sim/counterparts/slapd';
import { FogSimulator } from '../../sim/fog/fog-sim';
import { createNxosState, NxosCli } from '../../sim/nxos/nxos-cli';
import { startSwitchSsh, type RunningSwitchSsh } from '../../sim/nxos/ssh-server';
import { importLabFile } from '../../workers/inventory-deps';
import { createTempDatabase, type TempDatabase } from '../db/helpers/temp-database';
import { ed25519KeyPair } from '../../drivers/host/key-pair';

interface Run {
  code: number;
  out: string[];
  err: string[];
}

/** `laas doctor ...` as the CLI runs it (commander, --json, exit status), with its own environment. */
async function laas(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const run: Run = { code: 0, out: [], err: [] };
  const ctx: CliContext = {
    json: (command) => Boolean(command.optsWithGlobals<{ json?: boolean }>().json),
    out: (line) => run.out.push(line),
    err: (line) => run.err.push(line),
  };
  const program = new Command('laas').option('--json').exitOverride();
  register(program, ctx, env);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    run.code = err.exitCode;
    run.err.push(err.message);
  }
  return run;
}

const report = (run: Run): DoctorReport => JSON.parse(run.out.join('\n')) as DoctorReport;
const row = (r: DoctorReport, device: string) => r.probe?.find((p) => p.device === device);

describe('laas doctor against real counterparts', () => {
  let database: TempDatabase;
  let dir: string;
  let bmc1: IpmiSim;
  let bmc2: IpmiSim;
  let fog: FogSimulator;
  let slapd: Slapd;
  let leaf: RunningSwitchSsh;
  const nxos = createNxosState(8, 'leaf1');
  const keyEntry = newKeyEntry('doctor');
  const keyring = parseKeyring(keyEntry);
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [database, dir, bmc1, bmc2, fog, slapd] = await Promise.all([
      createTempDatabase(),
      mkdtemp(join(tmpdir(), 'laas-doctor-')),
      startIpmiSim({ power: 'on' }),
      startIpmiSim(),
      FogSimulator.start(),
      startSlapd(),
    ]);
    leaf = await startSwitchSsh({ newCli: () => new NxosCli(nxos), received: nxos.received, username: 'admin', password: 'leaf-secret' });
    fog.addImage('ubuntu-22.04');
    fog.addHost('node1');
    fog.addHost('node2');

    const nic = (mac: string, port: string) => ({ name: 'eno1', mac, switch: 'leaf1', port });
    const lab = {
      name: 'doctor-lab',
      vlanPool: { from: 1000, to: 1009 },
      switches: [{ name: 'leaf1', type: 'nxos', address: '127.0.0.1', port: leaf.port, credential: 'leaf1' }],
      images: [{ name: 'ubuntu-22.04', imagingId: '1', osFamily: 'netplan' }],
      hosts: [
        { name: 'node1', flavor: 'x86', bmc: { type: 'ipmi', address: '127.0.0.1', port: bmc1.port, credential: 'bmc-node1' }, ssh: { address: '127.0.0.1' }, nics: [nic('52:54:00:d0:00:01', 'Ethernet1/1')] },
        { name: 'node2', flavor: 'x86', bmc: { type: 'ipmi', address: '127.0.0.1', port: bmc2.port, credential: 'bmc-node2' }, ssh: { address: '127.0.0.1' }, nics: [nic('52:54:00:d0:00:02', 'Ethernet1/2')] },
      ],
      imaging: { type: 'fog', url: fog.url, credential: 'fog' },
      directory: { type: 'ldap', credential: 'ldap', options: { url: slapd.url, bindDn: slapd.adminDn, root: slapd.suffix, vpnGroup: { dn: slapd.vpnGroupDn } } },
      headnode: { type: 'libvirt', options: { uri: 'test:///default', domainType: 'test', imageDir: dir, overlayDir: dir, fabric: { kind: 'openvswitch', bridge: 'br-lab' } } },
    };
    const file = join(dir, 'lab.yaml');
    await writeFile(file, stringify(lab));
    await importLabFile(database.db, file);

    const set = (name: string, username: string, password: string) => setCredential(database.db, keyring, name, { username, password });
    await set('bmc-node1', bmc1.username, bmc1.password);
    await set('bmc-node2', bmc2.username, bmc2.password);
    await set('leaf1', 'admin', 'leaf-secret');
    await set('fog', fog.credentials.apiToken, fog.credentials.userToken);
    await set('ldap', slapd.adminDn, slapd.adminPassword);
    await set('host-login', 'root', ed25519KeyPair().private);
    env = { PATH: process.env.PATH, DATABASE_URL: database.url, LAAS_LAB_FILE: file, LAAS_CREDENTIAL_KEYS: keyEntry };
  });

  afterAll(async () => {
    await Promise.all([bmc1?.stop(), bmc2?.stop(), fog?.stop(), slapd?.stop(), leaf?.close()]);
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows every device answering, and passes', async () => {
    const run = await laas(['doctor', '--no-services', '--probe', '--json'], env);
    const r = report(run);
    expect(r.findings.filter((f) => f.level === 'error')).toEqual([]);
    expect(r.source).toBe('inventory');
    expect(r.probe?.map((p) => [p.device, p.kind, p.result])).toEqual([
      ['node1', 'bmc', 'ok'],
      ['node2', 'bmc', 'ok'],
      ['fog', 'imaging', 'ok'],
      ['leaf1', 'switch', 'ok'],
      ['ldap', 'directory', 'ok'],
      ['libvirt', 'headnode', 'ok'],
    ]);
    expect(row(r, 'node1')?.reason).toBe('power on');
    expect(row(r, 'leaf1')?.reason).toContain('Ethernet1/1');
    expect(run.code).toBe(0);
    // Read-only: the switch was only asked to show, never configured.
    expect(nxos.received.filter((l) => /^conf|^copy/.test(l))).toEqual([]);
  });

  it('names the host whose BMC refuses the stored password, and fails', async () => {
    await setCredential(database.db, keyring, 'bmc-node2', { username: bmc2.username, password: 'not-the-password' });
    try {
      const run = await laas(['doctor', '--no-services', '--probe'], env);
      expect(run.code).toBe(1);
      const line = run.out.find((l) => l.startsWith('node2 '));
      expect(line).toContain('refused credentials');
      expect(line).toContain('BMC of node2 refused the configured credentials');
      expect(run.out.find((l) => l.startsWith('node1 '))).toContain(' ok ');
      expect(run.out.at(-1)).toMatch(/^FAILED: .*1 refused credentials/);
      // No secret reaches the output, not even the wrong one.
      const all = [...run.out, ...run.err].join('\n');
      for (const secret of ['not-the-password', bmc1.password, 'leaf-secret', slapd.adminPassword]) expect(all).not.toContain(secret);
    } finally {
      await setCredential(database.db, keyring, 'bmc-node2', { username: bmc2.username, password: bmc2.password });
    }
  });

  it('tells a FOG server that refuses the API user from one that does not answer', async () => {
    fog.setFaults({ userApiAccess: false });
    try {
      const r = report(await laas(['doctor', '--no-services', '--probe', '--json'], env));
      expect(row(r, 'fog')).toMatchObject({ result: 'refused credentials', reason: 'FOG server refused the configured API tokens' });
    } finally {
      fog.clearFaults();
    }
  });

  it('reports a BMC at a dead port as timed out or unreachable within its timeout', async () => {
    // An operator moved node2's BMC in the inventory (laas / HIL API); workers follow the inventory.
    const dead = await freeUdpPort();
    await database.db.updateTable('hosts').set({ bmc_port: dead }).where('name', '=', 'node2').execute();
    try {
      const r = report(await laas(['doctor', '--no-services', '--probe', '--json', '--timeout', '2000'], env));
      expect(row(r, 'node2')).toMatchObject({ address: `127.0.0.1:${dead}` });
      expect(['timed out', 'unreachable']).toContain(row(r, 'node2')?.result);
      expect(row(r, 'node1')?.result).toBe('ok');
      // The difference from the file is pointed out too.
      expect(r.findings.some((f) => f.level === 'warning' && f.message.includes(`bmc_port ${dead} → ${bmc2.port}`))).toBe(true);
      expect(r.ok).toBe(false);
    } finally {
      await database.db.updateTable('hosts').set({ bmc_port: bmc2.port }).where('name', '=', 'node2').execute();
    }
  });

  it('without --probe, names a credential missing from the database and touches no device', async () => {
    await deleteCredential(database.db, 'leaf1');
    const before = { chassis: (await bmc1.chassisCalls()).length, fog: fog.requests.length, switch: nxos.received.length };
    try {
      const run = await laas(['doctor', '--no-services', '--json'], env);
      const r = report(run);
      expect(run.code).toBe(1);
      expect(r.probe).toBeNull();
      expect(r.findings).toContainEqual({ level: 'error', place: 'database credentials', message: expect.stringContaining('credential leaf1 (switch leaf1) is not in the database') as string });
      expect({ chassis: (await bmc1.chassisCalls()).length, fog: fog.requests.length, switch: nxos.received.length }).toEqual(before);
    } finally {
      await setCredential(database.db, keyring, 'leaf1', { username: 'admin', password: 'leaf-secret' });
    }
  });
});

describe('laas doctor on the simulated lab of npm start', () => {
  let database: TempDatabase;
  const simLab = join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml');

  beforeAll(async () => {
    database = await createTempDatabase();
    await importLabFile(database.db, simLab);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('says the devices are simulated and passes', async () => {
    const run = await laas(['doctor', '--no-services', '--probe'], { DATABASE_URL: database.url, LAAS_LAB_FILE: simLab });
    expect(run.code).toBe(0);
    expect(run.out).toContain("every device of this lab is simulated inside the worker's process: nothing to reach on a network");
    expect(run.out.find((l) => l.startsWith('sim-01 '))).toContain('simulated');
    expect(run.out.at(-1)).toBe('ok: 0 configuration error(s), 8 simulated');
  });
});
