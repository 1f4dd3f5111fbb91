import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerMigrate } from '../../cli/commands/db-migrate';
import { register as registerInventory } from '../../cli/commands/inventory';
import { register as registerImport } from '../../cli/commands/lab-import';
import { newKeyEntry } from '../../db/crypto';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

const LAB_FILE = fileURLToPath(new URL('../fixtures/lab-small.yaml', import.meta.url));
const BMC_PASSWORD = 'Cli-Bmc-Pw-5';

describe('laas inventory commands', () => {
  let t: TempDatabase;
  const printed: string[] = [];
  const env = { LAAS_CREDENTIAL_KEYS: newKeyEntry('cli1') };

  /** Runs `laas <args>` on a fresh program (commander keeps option values between parses) and returns what it printed. */
  async function laas(args: string[], secret = 'unused'): Promise<string> {
    const out: string[] = [];
    const program = new Command('laas').exitOverride();
    const ctx = { databaseUrl: t.url, env, print: (text: string) => void out.push(text), readSecret: () => Promise.resolve(`${secret}\n`) };
    registerMigrate(program, ctx);
    registerImport(program, ctx);
    registerInventory(program, ctx);
    await program.parseAsync(args, { from: 'user' });
    printed.push(...out);
    return out.join('\n');
  }
  const json = async (args: string[]) => JSON.parse(await laas([...args, '--json'])) as unknown;

  beforeAll(async () => {
    t = await createTempDatabase({ migrate: false });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('migrates the database, and again changes nothing', async () => {
    expect(await laas(['db', 'migrate'])).toMatch(/^applied 2026-11-21T1900-booking-events\napplied 2026-11-22T0900-inventory/);
    expect(await laas(['db', 'migrate'])).toBe('schema up to date');
  });

  it('imports a lab file and reports a second import as nothing to change', async () => {
    const first = await laas(['lab', 'import', LAB_FILE]);
    expect(first.split('\n')[0]).toBe('changed lab pod-lab:');
    expect(first).toContain('  host pod-03 NIC eth0: cabled to tor-1 Ethernet1/4');
    expect(first).toContain('warning: credential pod-bmc is not set yet (laas credential set pod-bmc --username ...)');
    expect(await laas(['lab', 'import', LAB_FILE])).toBe(
      ['lab pod-lab: nothing to change', 'warning: credential pod-bmc is not set yet (laas credential set pod-bmc --username ...)', 'warning: credential tor-1 is not set yet (laas credential set tor-1 --username ...)'].join('\n'),
    );
    await expect(laas(['lab', 'import', fileURLToPath(new URL('../fixtures/lab-invalid.yaml', import.meta.url))])).rejects.toMatchObject({ type: 'InvalidLabFile' });
  });

  it('stores credentials from stdin and lists them without their values', async () => {
    expect(await laas(['credential', 'set', 'pod-bmc', '--username', 'ADMIN'], BMC_PASSWORD)).toBe('credential pod-bmc stored');
    expect(await json(['credential', 'list'])).toEqual([{ name: 'pod-bmc', key: 'cli1', updated: expect.any(String) as string }]);
    expect(await laas(['lab', 'import', LAB_FILE])).not.toContain('pod-bmc');
  });

  it('lists and shows hosts as tables or JSON', async () => {
    expect(await laas(['host', 'list'])).toBe(
      [
        'NAME    LAB      FLAVOR     STATE      BMC',
        'pod-01  pod-lab  x86.large  available  ipmi 192.0.2.101:623',
        'pod-02  pod-lab  x86.large  available  ipmi 192.0.2.102:6230',
        'pod-03  pod-lab  arm.small  available  ipmi 192.0.2.103:623',
      ].join('\n'),
    );
    expect(await json(['host', 'show', 'pod-01'])).toMatchObject({
      name: 'pod-01',
      bmc: { type: 'ipmi', address: '192.0.2.101', port: 623, credential: 'pod-bmc' },
      nics: [{ label: 'eno1', port: 'Ethernet1/1', switch: 'tor-1' }, { label: 'eno2' }],
    });
  });

  it('registers, cables and books hardware by hand', async () => {
    await laas(['switch', 'register', 'leaf-2', '--type', 'http://schema.massopencloud.org/haas/v0/switches/ovs', '--address', '192.0.2.3', '--option', 'bridge=br-lab']);
    await laas(['port', 'add', 'leaf-2', 'gi1/0/2']);
    await laas(['host', 'register', 'pod-04', '--bmc-address', '192.0.2.104', '--bmc-credential', 'pod-bmc', '--flavor', 'arm.small']);
    await laas(['host', 'nic', 'add', 'pod-04', 'eth0', '--mac', '52:54:00:10:04:01']);
    expect(await laas(['port', 'connect', 'leaf-2', 'gi1/0/2', 'pod-04', 'eth0'])).toBe('pod-04 eth0 is cabled to leaf-2 gi1/0/2');
    expect(await laas(['port', 'list', 'leaf-2'])).toBe(['PORT     NODE    NIC   NETWORKS', 'gi1/0/2  pod-04  eth0  -'].join('\n'));
    expect(await json(['switch', 'show', 'leaf-2'])).toMatchObject({ type: 'ovs', options: { bridge: 'br-lab' }, ports: ['gi1/0/2'] });

    await laas(['project', 'create', 'demo']);
    await laas(['project', 'connect', 'demo', 'pod-04']);
    expect(((await json(['host', 'list', '--free'])) as { name: string }[]).map((h) => h.name)).toEqual(['pod-01', 'pod-02', 'pod-03']);
    expect(await laas(['network', 'create', 'demo-net', '--owner', 'demo'])).toBe('network demo-net created on VLAN 1500');
    expect(await laas(['project', 'list'])).toBe(['NAME  HOSTS   NETWORKS', 'demo  pod-04  demo-net'].join('\n'));
    await expect(laas(['host', 'delete', 'pod-04'])).rejects.toMatchObject({ type: 'BlockedError' });
    await laas(['host', 'state', 'pod-02', 'maintenance']);
    expect(((await json(['host', 'list', '--free'])) as { name: string }[]).map((h) => h.name)).toEqual(['pod-01', 'pod-03']);
  });

  it('manages users, with the password from stdin and tokens printed once', async () => {
    await laas(['user', 'create', 'alice'], 'alice-cli-pw-1');
    await laas(['user', 'join', 'alice', 'demo']);
    expect(await laas(['user', 'token', 'alice', '--label', 'ci'])).toMatch(/^laas_[A-Za-z0-9_-]{32}$/);
    expect(await laas(['user', 'list'])).toBe(['NAME   ADMIN  PROJECTS', 'alice  false  demo'].join('\n'));
    expect(await laas(['user', 'token', 'alice', '--revoke'])).toBe('1 token(s) of alice revoked');
  });

  it('never printed a secret', () => {
    const all = printed.join('\n');
    for (const secret of [BMC_PASSWORD, 'alice-cli-pw-1']) expect(all).not.toContain(secret);
  });
});
