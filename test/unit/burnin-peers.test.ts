import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realPeers, type BurninPeers } from '../../cli/commands/burnin-peers';
import { isolationRows, type BurninBooking, type LabFacts } from '../../cli/commands/burnin-checks';
import type { BookingView } from '../../cli/commands/booking-types';
import { LdapDirectory } from '../../drivers/directory/ldap';
import { ovsDriver } from '../../drivers/switch/ovs';
import type { SwitchSession } from '../../drivers/switch/switch';
import { startSshd, type SshdBox } from '../../sim/counterparts/sshd';
import { startSlapd, type Slapd } from '../../sim/counterparts/slapd';
import { startOpenVswitch, startSwitchHostSsh, type OpenVswitch, type SwitchHostSsh } from '../../sim/counterparts/ovs';
import { ed25519KeyPair } from '../../drivers/host/key-pair';

// Burn-in's real peers against real counterparts: OpenSSH's sshd, OpenLDAP's slapd, and Open
// vSwitch reached over SSH as a lab reaches its switch host. (Network namespaces need root.)
const canRun = process.getuid?.() === 0;

let box: SshdBox | undefined;
let slapd: Slapd | undefined;
let ovs: OpenVswitch | undefined;
let switchHost: SwitchHostSsh | undefined;
let peers: BurninPeers;

beforeAll(async () => {
  if (!canRun) return;
  [box, slapd, ovs, switchHost] = await Promise.all([startSshd(), startSlapd(), startOpenVswitch(), startSwitchHostSsh()]);
  for (const port of ['p1', 'p2', 'p3']) await ovs.addPort(port);
  peers = realPeers({
    ldap: { url: slapd.url, peopleDn: `${slapd.userDirectory},${slapd.suffix}`, timeoutMs: 5000 },
    // The OVS driver logs in with the switch host's key file (an option); the credential carries the user.
    credential: (name) => (name === 'ovs-login' ? Promise.resolve({ username: 'root', password: '' }) : Promise.reject(new Error('unknown credential'))),
    connectTimeoutMs: 5000,
  });
});
afterAll(async () => {
  await Promise.all([box?.stop(), slapd?.stop(), switchHost?.stop(), ovs?.stop()]);
});

describe.skipIf(!canRun)('burn-in real peers', () => {
  it('logs in over SSH with a booking key that authorized_keys holds, and fails with a key it does not', async () => {
    const booking = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'laas-burnin' });
    await mkdir(join(box!.home, '.ssh'), { recursive: true, mode: 0o700 });
    await writeFile(join(box!.home, '.ssh', 'authorized_keys'), `${booking.public} laas-booking=b1\n`, { mode: 0o600 });
    const target = { host: 'box', address: box!.address, port: box!.port, username: 'root' };
    expect(await peers.sshLogin({ ...target, privateKey: booking.private, publicKey: booking.public })).toEqual({
      result: 'pass',
      detail: `root@${box!.address}:${box!.port} accepted the booking key`,
    });
    const stranger = ed25519KeyPair();
    expect(await peers.sshLogin({ ...target, privateKey: stranger.private, publicKey: stranger.public })).toEqual({
      result: 'fail',
      detail: `root@${box!.address}:${box!.port} refused the booking key`,
    });
    expect((await peers.sshLogin({ ...target, address: 'sim://host/x', privateKey: '', publicKey: '' })).result).toBe('skip');
  });

  it('binds to slapd as the VPN account with its generated password; a wrong password fails, none skips', async () => {
    const directory = new LdapDirectory({
      url: slapd!.url,
      bindDn: slapd!.adminDn,
      bindPassword: slapd!.adminPassword,
      root: slapd!.suffix,
      userDirectory: slapd!.userDirectory,
      vpnGroup: { dn: slapd!.vpnGroupDn, membership: 'member' },
    });
    const account = await directory.ensureVpnAccount({ uid: 'burnin-1a2b3c', bookingId: 'b1', project: 'demo' });
    const bind = (password?: string) => peers.vpnBind({ bookingId: 'b1', uid: 'burnin-1a2b3c', ...(password !== undefined ? { password } : {}) });
    expect(await bind(account.password)).toEqual({ result: 'pass', detail: `bound to ${slapd!.url} as uid=burnin-1a2b3c,ou=people,${slapd!.suffix}` });
    expect((await bind('not-the-password')).result).toBe('fail');
    expect(await bind()).toEqual({ result: 'skip', detail: 'the API showed no password for burnin-1a2b3c, so no bind can be tried' });
  });

  it("reads a real Open vSwitch: passes while the booking's ports carry exactly its VLANs, fails when a port drifts or a stranger's carries one", async () => {
    const options = { db: ovs!.db, privateKeyFile: switchHost!.privateKeyFile };
    const configure = async (work: (s: SwitchSession) => Promise<void>) => {
      const s = await ovsDriver.open({ name: 'ovs1', type: 'ovs', address: '127.0.0.1', port: switchHost!.port, username: 'root', password: '', options });
      try {
        await work(s);
      } finally {
        await s.close();
      }
    };
    // As the booking's switch step leaves them; p3 belongs to a host outside the booking.
    await configure(async (s) => {
      await s.setNativeVlan('p1', 1000);
      await s.addTaggedVlans('p2', [1001]);
      await s.resetPort('p3');
    });
    const view: BookingView = {
      id: 'b1',
      project: 'demo',
      owner: 'alice',
      state: 'active',
      start: '2026-01-01T00:00:00Z',
      end: '2026-01-02T00:00:00Z',
      networks: [{ name: 'public', vlan: 1000 }, { name: 'burnin', vlan: 1001 }],
      hosts: [{ name: 'h1', hostname: 'h1', steps: [] }],
    };
    const booking: BurninBooking = {
      id: 'b1',
      loginUser: 'root',
      vpnUser: 'burnin-1a2b3c',
      key: { privateKey: '', publicKey: '' },
      interfaces: [{ eth1: [{ network: 'public', tagged: false }], eth2: [{ network: 'burnin', tagged: true }] }],
    };
    const h1Nics = [{ name: 'eth1', switch: 'ovs1', port: 'p1' }, { name: 'eth2', switch: 'ovs1', port: 'p2' }];
    const facts: LabFacts = {
      host: (name) => Promise.resolve(name === 'h1' ? { ssh: { address: '127.0.0.1', port: 22 }, nics: h1Nics } : null),
      switchOf: (name) => Promise.resolve(name === 'ovs1' ? { name, type: 'ovs', address: '127.0.0.1', port: switchHost!.port, credential: 'ovs-login', options } : null),
      allPorts: () => Promise.resolve([...h1Nics.map((n) => ({ host: 'h1', ...n })), { host: 'h2', switch: 'ovs1', port: 'p3' }]),
    };
    const check = async () => (await isolationRows(view, booking, facts, peers)).map((r) => [r.target, r.result, r.detail]);
    expect(await check()).toEqual([
      ['h1', 'pass', "its ports carry exactly the booking's VLANs"],
      ['ovs1', 'pass', 'no port outside the booking carries VLAN 1000, 1001'],
    ]);

    // A stranger's port picks up the booking's VLAN, and a booked port loses one.
    await configure(async (s) => {
      await s.addTaggedVlans('p3', [1000]);
      await s.removeTaggedVlans('p2', [1001]);
    });
    expect(await check()).toEqual([
      ['h1', 'fail', 'eth2 (ovs1 p2) has native - tagged [], booked native - tagged [1001]'],
      ['ovs1', 'fail', 'ports outside the booking carry its VLANs: p3 carries 1000'],
    ]);
  });
});
