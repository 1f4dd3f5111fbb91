import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLab } from '../../db/lab-import';
import { readLabFile } from '../../db/lab-plan';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

let t: TempDatabase;
beforeAll(async () => {
  t = await createTempDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const lab = `
name: fields
vlanPool: { from: 100, to: 109 }
switches:
  - { name: tor, type: ovs, address: 127.0.0.1, port: 2222, credential: tor, options: { db: "unix:/run/ovs/db.sock", hostKeySha256: "SHA256:abc" } }
images:
  - { name: ubuntu, imagingId: "3", osFamily: netplan }
hosts:
  - name: node1
    flavor: small
    bmc: { address: 192.0.2.11, credential: bmc1 }
    ssh: { address: 192.0.2.21 }
    nics: [{ name: eno1, mac: "52:54:00:00:00:01", switch: tor, port: v1 }]
  - name: node2
    flavor: small
    bmc: { type: sim, address: sim://bmc/node2, credential: bmc2 }
    ssh: { address: sim://host/node2 }
    nics: [{ name: eno1, mac: "52:54:00:00:00:02", switch: tor, port: v2 }]
`;

describe('lab import keeps what workers need', () => {
  it('stores switch driver options and each BMC type (ipmi unless said or sim://)', async () => {
    await importLab(t.db, readLabFile(lab, 'lab.yaml'));
    const sw = await t.db.selectFrom('switches').select(['options']).where('name', '=', 'tor').executeTakeFirstOrThrow();
    expect(sw.options).toEqual({ db: 'unix:/run/ovs/db.sock', hostKeySha256: 'SHA256:abc' });
    const hosts = await t.db.selectFrom('hosts').select(['name', 'bmc_type']).orderBy('name').execute();
    expect(hosts).toEqual([{ name: 'node1', bmc_type: 'ipmi' }, { name: 'node2', bmc_type: 'sim' }]);
    // Importing the same file again changes nothing.
    expect((await importLab(t.db, readLabFile(lab, 'lab.yaml'))).changes).toEqual([]);
  });
});
