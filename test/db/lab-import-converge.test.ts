import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allocateBooking, releaseBooking } from '../../db/allocations';
import { setCredential } from '../../db/credentials';
import { newKeyEntry, parseKeyring } from '../../db/crypto';
import { databaseInventory } from '../../db/inventory';
import { importLab } from '../../db/lab-import';
import { readLabFile } from '../../db/lab-plan';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

/** Two switches, one image, two hosts: c-01 cabled to leaf, c-02 to spine. */
const LAB = `
name: conv
maxLeaseHours: 100
vlanPool: { from: 200, to: 209 }
switches:
  - { name: leaf, type: ovs, address: 127.0.0.1, port: 2201, credential: leaf-ssh, options: { db: "unix:/run/a/db.sock", hostKeySha256: "SHA256:first", commandTimeoutMs: "5000" } }
  - { name: spine, type: nxapi, address: 192.0.2.2, credential: spine }
images:
  - { name: ubuntu, imagingId: "3", osFamily: netplan }
hosts:
  - name: c-01
    flavor: small
    bmc: { address: 192.0.2.11, credential: bmc }
    ssh: { address: 192.0.2.21 }
    nics:
      - { name: eno1, mac: "52:54:00:c0:01:01", switch: leaf, port: p1 }
      - { name: eno2, mac: "52:54:00:c0:01:02", switch: leaf, port: p2 }
  - name: c-02
    flavor: small
    bmc: { address: 192.0.2.12, credential: bmc }
    ssh: { address: 192.0.2.22 }
    nics:
      - { name: eno1, mac: "52:54:00:c0:02:01", switch: spine, port: Ethernet1/1 }
`;

const hour = 3_600_000;
const from = (offsetHours: number) => new Date(Date.now() + offsetHours * hour).toISOString();

describe('re-importing a lab file converges the inventory to it', () => {
  let t: TempDatabase;
  const imported = (text: string) => importLab(t.db, readLabFile(text, 'lab.yaml'));

  /** Everything the import could touch, credentials included, as text. */
  async function snapshot(): Promise<string> {
    const parts = [];
    for (const table of ['labs', 'vlan_pool', 'images', 'switches', 'ports', 'hosts', 'nics', 'host_allocations', 'credentials']) {
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
    for (const table of ['host_allocations', 'vlan_allocations', 'bookings', 'ports', 'nics', 'hosts', 'switches', 'images', 'vlan_pool', 'labs', 'credentials'] as const) {
      await t.db.deleteFrom(table).execute();
    }
  });

  it("updates a switch's driver options, and the workers read the new ones", async () => {
    await imported(LAB);
    // What a restarted real lab writes: a new OVS database, host key and parking VLAN.
    const changed = LAB.replace(
      'options: { db: "unix:/run/a/db.sock", hostKeySha256: "SHA256:first", commandTimeoutMs: "5000" }',
      'options: { db: "unix:/run/b/db.sock", hostKeySha256: "SHA256:second", parkingVlan: "999" }',
    );
    const report = await imported(changed);
    expect(report.changes).toEqual([
      'switch leaf: options.commandTimeoutMs 5000 → (none), options.db unix:/run/a/db.sock → unix:/run/b/db.sock, options.hostKeySha256 SHA256:first → SHA256:second, options.parkingVlan (none) → 999',
    ]);
    expect(report).toMatchObject({ created: [], updated: ['switch leaf'], unchanged: ['lab conv', 'image ubuntu', 'switch spine', 'host c-01', 'host c-02'], notInFile: [] });
    expect(await databaseInventory(t.db, 'conv').switchOf('leaf')).toEqual({
      name: 'leaf',
      type: 'ovs',
      address: '127.0.0.1',
      port: 2201,
      credential: 'leaf-ssh',
      options: { db: 'unix:/run/b/db.sock', hostKeySha256: 'SHA256:second', parkingVlan: '999' },
    });
    expect((await imported(changed)).changes).toEqual([]);
  });

  it('converges switch, host, NIC, cabling, image and lab fields an administrator edits', async () => {
    await imported(LAB);
    const changed = LAB.replace('maxLeaseHours: 100', 'maxLeaseHours: 50')
      .replace('{ name: spine, type: nxapi, address: 192.0.2.2, credential: spine }', '{ name: spine, type: nxos, address: 192.0.2.3, port: 2222, credential: spine-v2 }')
      .replace('imagingId: "3", osFamily: netplan', 'imagingId: "4", osFamily: rhel')
      .replace('bmc: { address: 192.0.2.11, credential: bmc }', 'bmc: { address: 192.0.2.111, port: 6230, credential: bmc-c01 }')
      .replace('ssh: { address: 192.0.2.21 }', 'ssh: { address: 192.0.2.121, port: 2022 }')
      .replace('mac: "52:54:00:c0:01:01"', 'mac: "52:54:00:c0:01:aa"')
      .replace('switch: leaf, port: p2', 'switch: spine, port: Ethernet1/2');
    const report = await imported(changed);
    expect(report.changes).toEqual([
      'lab conv: max_lease_hours 100 → 50',
      'image ubuntu: imaging_id 3 → 4, os_family netplan → rhel',
      'switch spine: type nxapi → nxos, address 192.0.2.2 → 192.0.2.3, port (none) → 2222, credential spine → spine-v2',
      'host c-01: bmc_address 192.0.2.11 → 192.0.2.111, bmc_port 623 → 6230, bmc_credential bmc → bmc-c01, ssh_address 192.0.2.21 → 192.0.2.121, ssh_port 22 → 2022',
      'host c-01 NIC eno1: mac 52:54:00:c0:01:01 → 52:54:00:c0:01:aa',
      'switch spine port Ethernet1/2: added',
      'host c-01 NIC eno2: cabled to spine Ethernet1/2 (was leaf p2)',
    ]);
    expect(report).toMatchObject({ created: [], updated: ['lab conv', 'image ubuntu', 'switch spine', 'host c-01'], unchanged: ['switch leaf', 'host c-02'] });
    // The workers' view of the host is the file's.
    expect(await databaseInventory(t.db, 'conv').host('c-01')).toEqual({
      name: 'c-01',
      flavor: 'small',
      bmc: { type: 'ipmi', address: '192.0.2.111', port: 6230, credential: 'bmc-c01' },
      nics: [
        { name: 'eno1', mac: '52:54:00:c0:01:aa', switch: 'leaf', port: 'p1' },
        { name: 'eno2', mac: '52:54:00:c0:01:02', switch: 'spine', port: 'Ethernet1/2' },
      ],
      ssh: { address: '192.0.2.121', port: 2022 },
      imagingName: 'c-01',
    });
    expect(await databaseInventory(t.db, 'conv').image('ubuntu')).toEqual({ name: 'ubuntu', imagingId: '4', osFamily: 'rhel' });
    const again = await imported(changed);
    expect(again.changes).toEqual([]);
    expect(again.updated).toEqual([]);
  });

  it('reports an unchanged re-import as no change, writes nothing, and leaves sealed credentials as they were', async () => {
    const keyring = parseKeyring(newKeyEntry('conv1'));
    await setCredential(t.db, keyring, 'leaf-ssh', { username: 'netops', password: 'Leaf-Secret-7' });
    const first = await imported(LAB);
    expect(first.created).toEqual(['lab conv', 'image ubuntu', 'switch leaf', 'switch spine', 'host c-01', 'host c-02']);
    const before = await snapshot();
    const again = await imported(LAB);
    expect(again).toMatchObject({ changes: [], created: [], updated: [], unchanged: ['lab conv', 'image ubuntu', 'switch leaf', 'switch spine', 'host c-01', 'host c-02'], notInFile: [] });
    expect(await snapshot()).toBe(before);
    expect(before).not.toContain('Leaf-Secret-7');
    expect(again.warnings).toEqual(['credential bmc is not set yet (laas credential set bmc --username ...)', 'credential spine is not set yet (laas credential set spine --username ...)']);
  });

  it('refuses a file that would move or remove NICs of a host in use, changing nothing, and takes it once the booking is released', async () => {
    await imported(LAB);
    await allocateBooking(t.db, { bookingId: 'b-now', hosts: [{ name: 'c-01' }], vlanCount: 1, range: { start: from(-1), end: from(2) } });
    // c-02's booking has not started: its ports are not configured yet, so its cabling may change.
    await allocateBooking(t.db, { bookingId: 'b-later', hosts: [{ name: 'c-02' }], range: { start: from(24), end: from(26) } });
    const before = await snapshot();
    const bad = LAB.replace('SHA256:first', 'SHA256:second')
      .replace('      - { name: eno1, mac: "52:54:00:c0:01:01", switch: leaf, port: p1 }\n', '')
      .replace('switch: leaf, port: p2', 'switch: leaf, port: p3')
      .replace('switch: spine, port: Ethernet1/1', 'switch: spine, port: Ethernet1/7');
    await expect(imported(bad)).rejects.toMatchObject({
      type: 'InvalidLabFile',
      problems: [
        'hosts.0.nics: NIC eno1 cannot be removed while host c-01 is in use by booking b-now',
        'hosts.0.nics.0.port: NIC eno2 is cabled to leaf p2 and in use by booking b-now; it can move to leaf p3 once that ends',
      ],
    });
    // Not even the switch options, which were fine on their own.
    expect(await snapshot()).toBe(before);
    expect((await databaseInventory(t.db, 'conv').switchOf('leaf'))?.options.hostKeySha256).toBe('SHA256:first');

    await releaseBooking(t.db, 'b-now');
    const report = await imported(bad);
    expect(report.changes).toEqual([
      'switch leaf: options.hostKeySha256 SHA256:first → SHA256:second',
      'host c-01 NIC eno1: removed',
      'switch leaf port p3: added',
      'host c-01 NIC eno2: cabled to leaf p3 (was leaf p2)',
      'switch spine port Ethernet1/7: added',
      'host c-02 NIC eno1: cabled to spine Ethernet1/7 (was spine Ethernet1/1)',
    ]);
  });

  it('leaves hosts, switches and images the file no longer lists, and says so', async () => {
    await imported(LAB.replace('images:\n', 'images:\n  - { name: rocky, imagingId: "9", osFamily: rhel }\n'));
    await allocateBooking(t.db, { bookingId: 'b-later', hosts: [{ name: 'c-02' }], range: { start: from(24), end: from(26) } });
    const without = LAB.replace('  - { name: spine, type: nxapi, address: 192.0.2.2, credential: spine }\n', '').replace(/ {2}- name: c-02[\s\S]*$/, '');
    const report = await imported(without);
    expect(report.changes).toEqual([]);
    expect(report.notInFile).toEqual(['image rocky', 'switch spine', 'host c-02']);
    expect(report.warnings.filter((w) => !w.startsWith('credential '))).toEqual([
      'image rocky is in the inventory but not in lab.yaml: left as it is',
      'switch spine is in the inventory but not in lab.yaml: left as it is (1 port(s) cabled to NICs)',
      'host c-02 is in the inventory but not in lab.yaml: left as it is (held by booking b-later)',
    ]);
    expect(await databaseInventory(t.db, 'conv').host('c-02')).toMatchObject({ nics: [{ name: 'eno1', switch: 'spine', port: 'Ethernet1/1' }] });
  });
});
