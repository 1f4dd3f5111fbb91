import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allocateBooking } from '../../db/allocations';
import { importLab } from '../../db/lab-import';
import { LabImportError, readLabFile } from '../../db/lab-plan';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof LabImportError) return err.problems;
    throw err;
  }
  return [];
}

describe('lab import', () => {
  let t: TempDatabase;

  /** Everything the import writes, as text, so "nothing changed" can be checked byte for byte. */
  async function snapshot(): Promise<string> {
    const tables = ['labs', 'vlan_pool', 'images', 'switches', 'ports', 'hosts', 'nics'];
    const parts = [];
    for (const table of tables) {
      const rows = await sql<{ r: string }>`select t::text as r from ${sql.table(table)} t order by 1`.execute(t.db);
      parts.push(`${table}:\n${rows.rows.map((x) => x.r).join('\n')}`);
    }
    return parts.join('\n');
  }

  beforeAll(async () => {
    t = await createTempDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });
  beforeEach(async () => {
    for (const table of ['host_allocations', 'vlan_allocations', 'bookings', 'ports', 'nics', 'hosts', 'switches', 'images', 'vlan_pool', 'labs'] as const) {
      await t.db.deleteFrom(table).execute();
    }
  });

  it('imports a lab file, and importing it again changes nothing', async () => {
    const plan = readLabFile(fixture('lab-small.yaml'), 'lab-small.yaml');
    const first = await importLab(t.db, plan);
    expect(first.changes).toEqual([
      'lab pod-lab: added',
      'VLAN pool: added 1500-1509',
      'image ubuntu-22.04: added',
      'image rocky-9: added',
      'switch tor-1: added',
      'host pod-01: added',
      'host pod-01 NIC eno1: added',
      'switch tor-1 port Ethernet1/1: added',
      'host pod-01 NIC eno1: cabled to tor-1 Ethernet1/1',
      'host pod-01 NIC eno2: added',
      'switch tor-1 port Ethernet1/2: added',
      'host pod-01 NIC eno2: cabled to tor-1 Ethernet1/2',
      'host pod-02: added',
      'host pod-02 NIC eno1: added',
      'switch tor-1 port Ethernet1/3: added',
      'host pod-02 NIC eno1: cabled to tor-1 Ethernet1/3',
      'host pod-03: added',
      'host pod-03 NIC eth0: added',
      'switch tor-1 port Ethernet1/4: added',
      'host pod-03 NIC eth0: cabled to tor-1 Ethernet1/4',
    ]);
    expect(first.warnings).toEqual([
      'credential pod-bmc is not set yet (laas credential set pod-bmc --username ...)',
      'credential tor-1 is not set yet (laas credential set tor-1 --username ...)',
    ]);
    const host = await t.db.selectFrom('hosts').selectAll().where('name', '=', 'pod-02').executeTakeFirstOrThrow();
    expect(host).toMatchObject({ flavor: 'x86.large', bmc_type: 'ipmi', bmc_address: '192.0.2.102', bmc_port: 6230, ssh_address: '192.0.2.202', ssh_port: 22 });

    const before = await snapshot();
    const again = await importLab(t.db, readLabFile(fixture('lab-small.yaml'), 'lab-small.yaml'));
    expect(again.changes).toEqual([]);
    expect(await snapshot()).toBe(before);
    // The imported hosts are bookable right away.
    const booked = await allocateBooking(t.db, { bookingId: 'b1', hosts: [{ flavor: 'arm.small' }], vlanCount: 2, range: { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z' } });
    expect(booked).toMatchObject({ lab: 'pod-lab', hosts: [{ name: 'pod-03' }], vlans: [{ vlan: 1500 }, { vlan: 1501 }] });
  });

  it('updates only what a changed file changes', async () => {
    await importLab(t.db, readLabFile(fixture('lab-small.yaml'), 'lab-small.yaml'));
    const changed = fixture('lab-small.yaml')
      .replace('vlanPool: { from: 1500, to: 1509 }', 'vlanPool: { from: 1500, to: 1511 }')
      .replace('maxLeaseHours: 336', 'maxLeaseHours: 168')
      .replace('flavor: arm.small', 'flavor: arm.large')
      .replace('port: Ethernet1/4 }', 'port: Ethernet1/9 }')
      .replace('imagingId: "12"', 'imagingId: "13"');
    const report = await importLab(t.db, readLabFile(changed, 'lab-small.yaml'));
    expect(report.changes).toEqual([
      'lab pod-lab: max_lease_hours 336 → 168',
      'VLAN pool: added 1510-1511',
      'image rocky-9: imaging_id 12 → 13',
      'host pod-03: flavor arm.small → arm.large',
      'switch tor-1 port Ethernet1/9: added',
      'host pod-03 NIC eth0: cabled to tor-1 Ethernet1/9 (was tor-1 Ethernet1/4)',
    ]);
  });

  it('refuses an invalid lab file whole, listing every problem with its path', () => {
    expect(problemsOf(() => readLabFile(fixture('lab-invalid.yaml'), 'lab-invalid.yaml'))).toEqual([
      'vlanPool: vlanPool.from must not exceed vlanPool.to',
      'switches.1.type: Invalid option: expected one of "nxos"|"nxapi"|"os10"|"ovs"|"sim"|"delln3000"|"powerconnect55xx"|"dellnos9"|"brocade"',
      'hosts.1.nics.0.port: a port name like Ethernet1/34: letters, digits and "/", ".", "_", ":" or "-"',
      'hosts.2.nics: Too small: expected array to have >=1 items',
      'switches.1.name: switch tor-1 is also at switches.0.name',
      'hosts.0.nics.0.switch: unknown switch tor-9',
      'hosts.1.nics.0.mac: MAC 52:54:00:20:01:01 is also at hosts.0.nics.0.mac',
    ]);
    expect(problemsOf(() => readLabFile('name: [unclosed', 'broken.yaml'))[0]).toMatch(/^\(file\): not valid YAML/);
  });

  it('refuses a file that contradicts the inventory, writing nothing', async () => {
    await importLab(t.db, readLabFile(fixture('lab-small.yaml'), 'lab-small.yaml'));
    await allocateBooking(t.db, { bookingId: 'holds-1509', hosts: [], vlanCount: 10, range: { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z' } });
    const before = await snapshot();
    const other = fixture('lab-small.yaml').replace('name: pod-lab', 'name: other-lab').replace('from: 1500, to: 1509', 'from: 1500, to: 1504');
    await expect(importLab(t.db, readLabFile(other, 'other.yaml'))).rejects.toMatchObject({
      problems: [
        'switches.0: switch tor-1 already belongs to lab pod-lab',
        'hosts.0.name: host pod-01 already belongs to lab pod-lab',
        'hosts.1.name: host pod-02 already belongs to lab pod-lab',
        'hosts.2.name: host pod-03 already belongs to lab pod-lab',
      ],
    });
    const shrunk = fixture('lab-small.yaml').replace('from: 1500, to: 1509', 'from: 1500, to: 1507');
    await expect(importLab(t.db, readLabFile(shrunk, 'lab-small.yaml'))).rejects.toMatchObject({
      problems: ['vlanPool: VLAN 1508 is held by booking holds-1509; it cannot leave the pool yet', 'vlanPool: VLAN 1509 is held by booking holds-1509; it cannot leave the pool yet'],
    });
    expect(await snapshot()).toBe(before);
  });

  it('imports an old hosts.json, names its switches by address, and is a no-op the second time', async () => {
    const plan = readLabFile(fixture('hosts.json'), 'hosts.json', { lab: 'legacy', flavor: 'hpe.dl380' });
    const first = await importLab(t.db, plan);
    expect(first.changes).toContain('switch 10.10.30.1: added');
    expect(first.changes).toContain('host pod1 NIC eno50: cabled to 10.10.30.1 Ethernet1/35');
    const pod1 = await t.db.selectFrom('hosts').selectAll().where('name', '=', 'pod1').executeTakeFirstOrThrow();
    expect(pod1).toMatchObject({ flavor: 'hpe.dl380', external_id: '51', imaging_name: 'pod1-fog', default_images: { ubuntu: '18', centos: '19', suse: '20' }, bmc_type: null });
    const nics = await t.db.selectFrom('nics').select(['label', 'mac', 'bus_address', 'os_name']).where('host_id', '=', pod1.id).orderBy('label').execute();
    expect(nics).toEqual([
      { label: 'eno49', mac: '00:1e:67:d4:36:9a', bus_address: '0000:01:00.0', os_name: 'eno49' },
      { label: 'eno50', mac: '00:1e:67:d4:36:9b', bus_address: '0000:01:00.1', os_name: 'eno50' },
    ]);
    expect((await t.db.selectFrom('switches').select(['name', 'type']).execute())).toEqual([{ name: '10.10.30.1', type: 'nxapi' }]);

    // A BMC registered later (e.g. through the HIL API) survives re-import: hosts.json says nothing about BMCs.
    await t.db.updateTable('hosts').set({ bmc_type: 'ipmi', bmc_address: '10.10.40.51' }).where('name', '=', 'pod1').execute();
    const before = await snapshot();
    expect((await importLab(t.db, readLabFile(fixture('hosts.json'), 'hosts.json', { lab: 'legacy', flavor: 'hpe.dl380' }))).changes).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses an invalid hosts.json whole, and one without a lab name', () => {
    expect(problemsOf(() => readLabFile(fixture('hosts-invalid.json'), 'hosts-invalid.json', { lab: 'legacy' }))).toEqual([
      '0.interfaces.not-a-mac.mac: "not-a-mac" is not a MAC address like 52:54:00:12:34:56',
      '0.interfaces.00:1e:67:d4:50:01.port: Invalid input: expected string, received undefined',
      '1.hostname: required when hosts are listed rather than keyed by name',
    ]);
    expect(problemsOf(() => readLabFile(fixture('hosts.json'), 'hosts.json'))).toEqual([
      '(file): a hosts.json does not name its lab; give one (laas lab import --lab NAME)',
    ]);
  });

  it("imports the simulated lab that npm start runs", async () => {
    const report = await importLab(t.db, readLabFile(readFileSync(new URL('../../config/sim-lab.yaml', import.meta.url), 'utf8'), 'sim-lab.yaml'));
    expect(report.changes).toContain('host sim-04: added');
    const sim = await t.db.selectFrom('hosts').select(['bmc_type']).where('name', '=', 'sim-01').executeTakeFirstOrThrow();
    expect(sim.bmc_type).toBe('sim');
  });
});
