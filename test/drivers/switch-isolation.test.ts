import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ovsDriver } from '../../drivers/switch/ovs';
import type { SwitchSession } from '../../drivers/switch/switch';
import { startOpenVswitch, startSwitchHostSsh, type NamespaceHost, type OpenVswitch, type SwitchHostSsh } from '../../sim/counterparts/ovs';

// Isolation proven with packets: hosts in network namespaces cabled into a real
// Open vSwitch, configured only through the OVS driver over SSH.
const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/ovs-vswitchd');
const why = canRun ? '' : ' (skipped: needs root, network namespaces and Open vSwitch)';

let ovs: OpenVswitch | undefined;
let host: SwitchHostSsh | undefined;
let session: SwitchSession | undefined;
const hosts: NamespaceHost[] = [];

beforeAll(async () => {
  if (!canRun) return;
  ovs = await startOpenVswitch();
  host = await startSwitchHostSsh();
  // Addresses only inside namespaces this test creates.
  for (const [i, name] of ['h1', 'h2', 'h3'].entries()) hosts.push(await ovs.addHost(name, `10.99.0.${i + 1}/24`));
  session = await ovsDriver.open({
    name: 'ovs-iso',
    type: 'ovs',
    address: '127.0.0.1',
    port: host.port,
    username: 'root',
    password: '',
    options: { db: ovs.db, privateKeyFile: host.privateKeyFile },
  });
});
afterAll(async () => {
  await session?.close().catch(() => undefined);
  await host?.stop();
  await ovs?.stop();
});

describe.skipIf(!canRun)(`VLAN isolation on a real Open vSwitch${why}`, () => {
  it('hosts on one VLAN reach each other, a host on another VLAN reaches neither, and reset ports reach nobody', async () => {
    const s = session as SwitchSession;
    const sw = ovs as OpenVswitch;
    const [h1, h2, h3] = hosts as [NamespaceHost, NamespaceHost, NamespaceHost];
    await s.setNativeVlan(h1.port, 100);
    await s.setNativeVlan(h2.port, 100);
    await s.setNativeVlan(h3.port, 200);

    expect(await sw.ping(h1, h2, 3)).toBe(true);
    expect(await sw.ping(h2, h1, 3)).toBe(true);
    const crossings = await Promise.all([sw.ping(h3, h1), sw.ping(h3, h2), sw.ping(h1, h3)]);
    expect(crossings).toEqual([false, false, false]);

    for (const h of [h1, h2, h3]) await s.resetPort(h.port);
    for (const h of [h1, h2, h3]) expect(await s.readPort(h.port)).toEqual({ native: null, tagged: [] });
    // An OVS port with no tag and no trunks would carry every VLAN; reset ports must carry none.
    const afterReset = await Promise.all([sw.ping(h1, h2), sw.ping(h2, h1), sw.ping(h3, h1)]);
    expect(afterReset).toEqual([false, false, false]);
  });
});
