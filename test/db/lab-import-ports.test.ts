import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLab } from '../../db/lab-import';
import { LabImportError, readLabFile } from '../../db/lab-plan';
import { checkPortFor, portRefusal } from '../../drivers/switch/port-rules';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

// lab import (and npm start, and the real-peer lab's registration) refuses the port names the
// switch type's driver refuses, naming the entry, before anything is written.
const fixture = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'lab-small.yaml'), 'utf8');
let t: TempDatabase;

beforeAll(async () => {
  t = await createTempDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe('port names are checked by the switch type', () => {
  it('a sim port past Ethernet1/48 is refused with the path of the bad entry; nothing is imported', async () => {
    const text = fixture.replace('type: nxapi', 'type: sim').replace('port: Ethernet1/4 }', 'port: Ethernet1/49 }');
    const err = await importLab(t.db, readLabFile(text, 'lab.yaml'), { portRefusal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabImportError);
    expect((err as LabImportError).message).toContain('hosts.2.nics.0.port: port "Ethernet1/49" is not valid: the simulated switch has ports Ethernet1/1 to Ethernet1/48');
    expect(await t.db.selectFrom('hosts').select('name').execute()).toEqual([]);
  });

  it('a vendor port name the driver refuses is refused the same way; good files import', async () => {
    // The file's schema takes eth3; a Nexus has no such port.
    const bad = fixture.replace('port: Ethernet1/3 }', 'port: eth3 }');
    await expect(importLab(t.db, readLabFile(bad, 'lab.yaml'), { portRefusal })).rejects.toThrow(/hosts\.1\.nics\.0\.port: port "eth3" is not valid: not a .* port name/);
    const report = await importLab(t.db, readLabFile(fixture, 'lab.yaml'), { portRefusal });
    expect(report.lab).toBe('pod-lab');
  });

  it('the rule is the driver\'s: /v0 and the worker use the same check', () => {
    expect(() => checkPortFor('sim', 'Ethernet1/48')).not.toThrow();
    expect(() => checkPortFor('sim', 'Ethernet1/49')).toThrow(/Ethernet1\/1 to Ethernet1\/48/);
    expect(portRefusal('nxos', 'Ethernet1/1')).toBeNull();
    expect(portRefusal('nope', 'x')).toMatch(/switch type "nope"/);
  });

  it('HIL\'s Dell and Brocade types have HIL\'s port rules (validate_port_name), in lab files too', async () => {
    for (const type of ['delln3000', 'powerconnect55xx']) {
      expect(portRefusal(type, 'gi1/0/3')).toBeNull();
      expect(portRefusal(type, 'te1/3')).toBeNull();
      expect(portRefusal(type, '1/3')).toMatch(/like gi1\/0\/3/);
    }
    for (const type of ['dellnos9', 'brocade']) {
      expect(portRefusal(type, '1/0/3')).toBeNull();
      expect(portRefusal(type, 'gi1/0/3')).toMatch(/not a .* port name/);
    }
    const n3000 = fixture.replace('type: nxapi', 'type: delln3000');
    await expect(importLab(t.db, readLabFile(n3000, 'lab.yaml'), { portRefusal })).rejects.toThrow(/port "Ethernet1\/3" is not valid: not a delln3000 port name \(like gi1\/0\/3\)/);
  });
});
