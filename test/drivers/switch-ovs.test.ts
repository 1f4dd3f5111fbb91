import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import { ovsDriver } from '../../drivers/switch/ovs';
import { SwitchUnreachable, type SwitchTarget } from '../../drivers/switch/switch';
import { startOpenVswitch, startSwitchHostSsh, type OpenVswitch, type SwitchHostSsh } from '../../sim/counterparts/ovs';
import { switchConformance } from './switch.conformance';
import { ed25519KeyPair } from '../../drivers/host/key-pair';

// A real Open vSwitch (userspace datapath) reached through a real sshd, as a lab reaches its switch host.
const canRun = process.getuid?.() === 0;
const why = canRun ? '' : ' (skipped: needs root for network namespaces)';

let ovs: OpenVswitch | undefined;
let host: SwitchHostSsh | undefined;
let strangerKeyDir = '';

beforeAll(async () => {
  if (!canRun) return;
  ovs = await startOpenVswitch();
  host = await startSwitchHostSsh();
  for (const port of ['p1', 'p2', 'p3']) await ovs.addPort(port);
  strangerKeyDir = await mkdtemp(join(tmpdir(), 'laas-stranger-'));
  await writeFile(join(strangerKeyDir, 'key'), ed25519KeyPair().private, { mode: 0o600 });
});
afterAll(async () => {
  await host?.stop();
  await ovs?.stop();
  if (strangerKeyDir) await rm(strangerKeyDir, { recursive: true, force: true });
});

const target = (options: Record<string, string> = {}): SwitchTarget => ({
  name: 'ovs1',
  type: 'ovs',
  address: '127.0.0.1',
  port: host?.port,
  username: 'root',
  password: '',
  options: { db: ovs?.db ?? '', privateKeyFile: host?.privateKeyFile ?? '', ...options },
});

describe.skipIf(!canRun)(`Open vSwitch over SSH${why}`, () => {
  switchConformance('ovs over SSH (real Open vSwitch)', () => ({
    driver: ovsDriver,
    target: target(),
    ports: ['p1', 'p2'],
    missingPort: 'nosuchport',
    wrongCredentials: target({ privateKeyFile: join(strangerKeyDir, 'key') }),
    received: async () => (await host?.commands()) ?? [],
  }));

  describe('ovs driver', () => {
    it('runs exactly these ovs-vsctl commands on the switch host', async () => {
      const vsctl = `ovs-vsctl --timeout=10 --db=${ovs?.db}`;
      const s = await ovsDriver.open(target());
      try {
        const from = (await host?.commands())?.length ?? 0;
        await s.ensureVlan(300);
        await s.resetPort('p3');
        await s.setNativeVlan('p3', 300);
        await s.addTaggedVlans('p3', [320, 310]);
        await s.removeTaggedVlans('p3', [310]);
        await s.save();
        const port = await s.readPort('p3');
        expect(((await host?.commands()) ?? []).slice(from)).toEqual([
          `${vsctl} clear port p3 tag -- set port p3 vlan_mode=trunk trunks=4095`,
          `${vsctl} set port p3 tag=300 vlan_mode=native-untagged -- add port p3 trunks 4095`,
          `${vsctl} add port p3 trunks 310 320 4095`,
          `${vsctl} remove port p3 trunks 310 -- add port p3 trunks 4095`,
          `${vsctl} get port p3 tag -- get port p3 trunks -- get port p3 vlan_mode`,
        ]);
        expect(port).toEqual({ native: 300, tagged: [320] });
        // What OVS itself holds, read without the driver.
        expect(await ovs?.vsctl('get', 'port', 'p3', 'tag')).toBe('300');
        expect(await ovs?.vsctl('get', 'port', 'p3', 'trunks')).toBe('[320, 4095]');
      } finally {
        await s.close();
      }
    });

    it('an ovs-vsctl that times out (SIGALRM, "Alarm clock") is a retryable SwitchUnreachable, not a refusal', { timeout: 40_000 }, async () => {
      // A database that stops answering: ovs-vsctl --timeout=10 ends in SIGALRM.
      const pid = Number((await readFile(join(ovs!.dir, 'ovsdb-server.pid'), 'utf8')).trim());
      const s = await ovsDriver.open(target());
      process.kill(pid, 'SIGSTOP');
      try {
        const err = await s.setNativeVlan('p2', 330).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SwitchUnreachable);
        expect((err as SwitchUnreachable).retryable).toBe(true);
        expect((err as Error).message).toMatch(/switch ovs1 did not answer: "ovs-vsctl .*" was interrupted/);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      // Once the database answers again, the same session works.
      try {
        await s.setNativeVlan('p2', 330);
        expect(await ovs?.vsctl('get', 'port', 'p2', 'tag')).toBe('330');
        await s.resetPort('p2');
      } finally {
        await s.close();
      }
    });

    it('refuses a database option that is not a unix socket path', async () => {
      await expect(ovsDriver.open(target({ db: 'unix:/x; reboot' }))).rejects.toBeInstanceOf(InvalidInput);
    });
  });
});
