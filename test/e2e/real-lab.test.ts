import { realLabTestsOff } from './real-lab-support/opt-in';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client as LdapClient, InvalidCredentialsError } from 'ldapts';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataConverterFromEnv } from '../../config/payload-codec';
import { headnodeName } from '../../activities/headnode';
import { generateKeyPair, type KeyPair } from '../../sim/counterparts/sshd';
import type { RealLab } from '../../sim/real-lab';
import { createWorker } from '../../workers/worker';
import { releaseSignal, taskQueueOf } from '../../workflows/definitions';
import type { BookingInput, BookingStatus } from '../../workflows/types';
import { startBooking, waitForState } from '../helpers/booking';
import { openRealLab, realBooking, realLabUnavailable, temporalClient, type RealLabSession } from './real-lab-support/lab-session';
import { authorizedKeys, directoryView, headnodeView, networkFilesOf, portState, RESET_PORT, residueOf } from './real-lab-support/residue';
import { realLabDeps } from './real-lab-support/worker-deps';

// A 3-host booking on real peers, through the real worker (built as workers/main.ts builds it),
// checked on the devices themselves: packets over Open vSwitch, an SSH login with the user's key,
// an LDAP bind, libvirt, and after release nothing left anywhere.
const unavailable = realLabTestsOff() || realLabUnavailable();
const run = promisify(execFile);

let session: RealLabSession | undefined;
let worker: Worker | undefined;
let running: Promise<void> | undefined;
let native: NativeConnection | undefined;
let temporal: { client: Client; close(): Promise<void> } | undefined;
let keyDir = '';
let alice: KeyPair;

const booked = ['rl-01', 'rl-02', 'rl-03'];
const outsider = 'rl-04';
let input: BookingInput;
let handle: WorkflowHandle;
let active: BookingStatus;

beforeAll(async () => {
  if (unavailable) return;
  session = await openRealLab({ hosts: [...booked, outsider] });
  const { lab, database, keyring } = session;
  const deps = await realLabDeps(lab.lab, database.db, keyring);
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await createWorker({
    connection: native,
    namespace: 'default',
    taskQueue: taskQueueOf(lab.name),
    deps,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    dataConverter: dataConverterFromEnv(process.env, () => undefined).dataConverter,
  });
  running = worker.run();
  temporal = await temporalClient(inject('temporalAddress'));
  keyDir = await mkdtemp(join(tmpdir(), 'laas-alice-'));
  alice = await generateKeyPair(keyDir, 'alice');
  // A line someone else put there: the booking must leave it alone.
  const operator = await generateKeyPair(keyDir, 'operator@lab');
  for (const h of booked) await writeFile(join(lab.host(h).os.home, '.ssh', 'authorized_keys'), `${operator.publicKey}\n`, { mode: 0o600 });
});

afterAll(async () => {
  worker?.shutdown();
  await running?.catch(() => undefined);
  await native?.close();
  await temporal?.close();
  await session?.close();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

const lab = (): RealLab => session!.lab;
const vlanOf = (network: string): number => active.networks.find((n) => n.name === network)!.vlan!;
const wire = (host: string, nic: string) => lab().host(host).nics.find((n) => n.name === nic)!.wire;

/** Logs in to a host's OS as root with a private key, checking the host key the box was started with. */
function loginWith(host: string, privateKey: string): Promise<string> {
  const os = lab().host(host).os;
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    conn.on('error', reject);
    conn.on('ready', () => {
      conn.exec('hostname', (err, stream) => {
        if (err) return reject(err);
        let out = '';
        stream.on('data', (d: Buffer) => (out += d.toString()));
        stream.on('close', () => {
          conn.end();
          resolve(out.trim());
        });
      });
    });
    conn.connect({
      host: '127.0.0.1',
      port: os.port,
      username: 'root',
      privateKey,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => key.equals(Buffer.from(os.hostKey.split(' ')[1] ?? '', 'base64')),
    });
  });
}

describe.skipIf(unavailable !== '')(`a booking on real peers${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('reaches active through the real worker: every step done on the first attempt', async () => {
    // Before the booking the hosts' ports carry nothing: no host reaches another.
    expect(await lab().ovs.ping(wire('rl-01', 'eno1'), wire('rl-02', 'eno1'))).toBe(false);
    input = realBooking(lab(), booked, alice);
    handle = await startBooking(temporal!.client, taskQueueOf(lab().name), input);
    active = await waitForState(handle, ['active', 'failed', 'needs_cleanup'], 150_000);
    expect(active.state, JSON.stringify(active.error ?? active.leftovers)).toBe('active');
    for (const h of active.hosts) {
      expect(h.steps.map((s) => [s.step, s.status, s.attempt])).toEqual(['power', 'imaging', 'switch', 'network', 'access'].map((s) => [s, 'done', 1]));
    }
    expect(active.bookingSteps.map((s) => [s.step, s.status])).toEqual([['vpn', 'done'], ['headnode', 'done']]);
    expect(active.vpnAccounts).toEqual(['alice']);
  });

  it('powered each host off, set PXE, powered it on, and FOG deployed the image it booted into', async () => {
    const ubuntu = lab().lab.images.find((i) => i.name === 'ubuntu-22.04')!.imagingId;
    for (const h of booked) {
      expect(await lab().host(h).bmc.chassisChanges()).toEqual(['set power 0', 'set boot pxe', 'set power 1']);
      const tasks = lab().fog.tasks(h);
      expect(tasks.map((t) => [t.typeID, String(t.imageID), t.stateID])).toEqual([[1, ubuntu, 4]]);
      expect(lab().fog.host(h)?.deployed).not.toBe('0000-00-00 00:00:00');
    }
    // The host outside the booking was never touched.
    expect(await lab().host(outsider).bmc.chassisChanges()).toEqual([]);
  });

  it("put each NIC's port on the booking's VLANs, read back from Open vSwitch", async () => {
    const [pub, priv, storage] = [vlanOf('public'), vlanOf('private'), vlanOf('storage')];
    for (const h of booked) {
      const [eno1, eno2] = lab().host(h).nics;
      expect(await portState(lab(), eno1!.port)).toBe(`tag=${pub} trunks=[4095] vlan_mode=native-untagged`);
      expect(await portState(lab(), eno2!.port)).toBe(`tag=${priv} trunks=[${storage}, 4095] vlan_mode=native-untagged`);
    }
    expect(await portState(lab(), lab().host(outsider).nics[0]!.port)).toBe(RESET_PORT);
  });

  it("hosts on the booking's networks reach each other over Open vSwitch; no packet crosses to another network or tenant", async () => {
    // The outsider sits on another tenant's VLAN from the same pool.
    const other = 1099;
    expect(active.networks.map((n) => n.vlan)).not.toContain(other);
    for (const nic of lab().host(outsider).nics) await lab().ovs.vsctl('set', 'port', nic.port, `tag=${other}`, 'vlan_mode=native-untagged');
    try {
      for (const [a, b] of [['rl-01', 'rl-02'], ['rl-02', 'rl-03'], ['rl-03', 'rl-01']] as const) {
        expect(await lab().ovs.ping(wire(a, 'eno1'), wire(b, 'eno1'), 3), `${a} → ${b} on public`).toBe(true);
        expect(await lab().ovs.ping(wire(a, 'eno2'), wire(b, 'eno2'), 3), `${a} → ${b} on private`).toBe(true);
      }
      // Every source namespace differs, so the checks can run at once (each flushes only its own neighbours).
      const crossings = await Promise.all([
        lab().ovs.ping(wire('rl-01', 'eno1'), wire('rl-02', 'eno2')),
        lab().ovs.ping(wire('rl-03', 'eno2'), wire('rl-02', 'eno1')),
        lab().ovs.ping(wire(outsider, 'eno1'), wire('rl-01', 'eno1')),
        lab().ovs.ping(wire(outsider, 'eno2'), wire('rl-01', 'eno2')),
        lab().ovs.ping(wire('rl-02', 'eno1'), wire(outsider, 'eno1')),
      ]);
      expect(crossings).toEqual([false, false, false, false, false]);
    } finally {
      for (const nic of lab().host(outsider).nics) await lab().ovs.vsctl('clear', 'port', nic.port, 'tag', '--', 'set', 'port', nic.port, 'vlan_mode=trunk', 'trunks=4095');
    }
  });

  it("wrote the hosts' network files and host names, and the user's key logs in (the lab's other lines untouched)", async () => {
    for (const h of booked) {
      expect(await networkFilesOf(lab(), h)).toEqual(['/etc/netplan/90-laas.yaml']);
      const netplan = await readFile(join(lab().host(h).os.etcChanges, 'netplan', '90-laas.yaml'), 'utf8');
      expect(netplan).toContain(`eno2.${vlanOf('storage')}:\n      id: ${vlanOf('storage')}\n      link: eno2`);
      expect(await loginWith(h, alice.privateKey)).toBe(`${h}-pod`);
      const lines = await authorizedKeys(lab(), h);
      expect(lines.filter((l) => l.startsWith(alice.publicKey))).toEqual([`${alice.publicKey} laas-booking=${input.id}`]);
      expect(lines.filter((l) => l.endsWith('operator@lab'))).toHaveLength(1);
    }
    // A key nobody installed does not get in.
    const stranger = await generateKeyPair(keyDir, 'stranger');
    await expect(loginWith('rl-01', stranger.privateKey)).rejects.toThrow(/authentication/i);
  });

  it('created the VPN account in the VPN group, and it binds with the password the booking delivers', async () => {
    const view = await directoryView(lab(), 'alice');
    expect(view.entries).toHaveLength(1);
    const dn = view.entries[0]!.dn;
    expect(view.entries[0]!.description).toContain(`laas-booking=${input.id}`);
    expect(view.groupMembers).toContain(dn);
    // The booking holds the generated password (encrypted in its history) until the API has shown it once.
    const password = active.vpnPasswords?.alice ?? '';
    expect(password, 'the booking delivers a VPN password').not.toBe('');
    const asUser = new LdapClient({ url: lab().slapd.url, timeout: 5000 });
    try {
      await asUser.bind(dn, password);
      expect((await asUser.search(dn, { scope: 'base', attributes: ['uid'] })).searchEntries[0]?.uid).toBe('alice');
    } finally {
      await asUser.unbind();
    }
    const wrong = new LdapClient({ url: lab().slapd.url, timeout: 5000 });
    await expect(wrong.bind(dn, `${password}x`)).rejects.toBeInstanceOf(InvalidCredentialsError);
    await wrong.unbind();
  });

  it("runs the headnode in libvirt on a copy-on-write overlay, with a NIC tagged with the private network's VLAN", async () => {
    const name = headnodeName(input.id);
    expect(active.headnode?.name).toBe(name);
    const virsh = async (...args: string[]) => (await run('virsh', ['-q', '-c', lab().headnodes.uri, ...args])).stdout;
    expect((await virsh('domstate', name)).trim()).toBe('running');
    const xml = await virsh('dumpxml', name);
    expect(xml).toContain(`<tag id='${vlanOf('private')}'/>`);
    expect(xml).toContain(`<source bridge='${lab().ovs.bridge}'/>`);
    const overlay = join(lab().headnodes.overlayDir, `${name}.qcow2`);
    const info = JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', overlay])).stdout) as { 'backing-filename'?: string };
    expect(info['backing-filename']).toBe(join(lab().headnodes.imageDir, 'headnode-base.qcow2'));
  });

  it('release leaves zero residue, checked device by device and in PostgreSQL', async () => {
    const scope = { bookingId: input.id, hosts: booked, vpnUsers: ['alice'] };
    // While active the same check finds the booking on every device: it can tell residue when there is some.
    const whileActive = (await residueOf(lab(), session!.database.db, scope)).join('\n');
    for (const expected of [
      /rl-01: BMC says power on/,
      /rl-02: switch port h3 \(eno1\) is tag=\d+/,
      /rl-03: 1 key line\(s\) of the booking/,
      /rl-01: network files \/etc\/netplan\//,
      /LDAP: uid=alice,ou=people,dc=lab,dc=test still there/,
      /LDAP: VPN group still lists uid=alice/,
      /libvirt: domain laas-rl-\w+-headnode still defined/,
      /libvirt: .*\.qcow2.* still in the overlay directory/,
      /PostgreSQL: 3 host allocation/,
      /PostgreSQL: 3 VLAN allocation/,
    ]) {
      expect(whileActive).toMatch(expected);
    }
    await handle.signal(releaseSignal, { reason: 'done' });
    const released = await waitForState(handle, ['released', 'needs_cleanup', 'failed'], 120_000);
    expect(released.state, JSON.stringify(released.leftovers)).toBe('released');
    expect(await residueOf(lab(), session!.database.db, { bookingId: input.id, hosts: booked, vpnUsers: ['alice'] })).toEqual([]);
    for (const h of booked) {
      // Teardown powered the host off and set it to boot from disk, after it had been on.
      expect((await lab().host(h).bmc.chassisChanges()).slice(-2)).toEqual(['set power 0', 'set boot default']);
      expect((await authorizedKeys(lab(), h)).filter((l) => l.endsWith('operator@lab'))).toHaveLength(1);
    }
    expect((await headnodeView(lab(), input.id)).domains).toEqual([]);
    // Released hosts are isolated again.
    expect(await lab().ovs.ping(wire('rl-01', 'eno1'), wire('rl-02', 'eno1'))).toBe(false);
    const booking = await session!.database.db.selectFrom('bookings').select('released_at').where('id', '=', input.id).executeTakeFirst();
    expect(booking?.released_at).toBeInstanceOf(Date);
  });
});
