// The network step and its undo on a real OpenSSH sshd playing a freshly imaged host
// (sim/counterparts/sshd.ts): the activities as the worker runs them, the lab's inventory pointing
// host sim-01 at the box. The files are the per-OS-family renderers' (golden files in ./golden).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderNetworkFiles } from '../../drivers/host/network-files';
import type { SshdBox } from '../../sim/counterparts/sshd';
import { inHostOs, NETWORK_FILE_DIRS } from '../../sim/real-lab-parts/host-os';
import type { NetworkStepInput } from '../../activities/network';
import { activityEnv, hostBox, rejection, type SimActivities } from './activities-support';

const HOST = 'sim-01';
const run = <T>(work: () => Promise<T>): Promise<T> => activityEnv(null).run(work);

describe('network step', () => {
  let box: SshdBox;
  let lab: SimActivities;
  const nics = [
    { nic: 'eno1', native: { network: 'public', vlan: 1001 }, tagged: [{ network: 'private', vlan: 1002 }] },
    { nic: 'eno2', native: null, tagged: [{ network: 'storage', vlan: 1003 }] },
  ];
  const input = (image: string): NetworkStepInput => ({ host: HOST, image, hostname: 'alice-pod-1', nics, publicNetwork: 'public' });
  /** Files under /etc the box's OS has changed, as "path mode" (the overlay's upper layer). */
  const etcChanges = async (): Promise<string[]> => {
    const found: string[] = [];
    for (const dir of NETWORK_FILE_DIRS) {
      const upper = join(box.etcChanges, dir.replace(/^\/etc\//, ''));
      for (const name of await readdir(upper).catch(() => [] as string[])) {
        const mode = (await stat(join(upper, name))).mode & 0o777;
        found.push(`${dir}/${name} ${mode.toString(8)}`);
      }
    }
    return found.sort();
  };
  const hostname = async (): Promise<string> => (await readFile(join(box.etcChanges, 'hostname'), 'utf8')).trim();
  const bootId = async (): Promise<string> => readFile(join(box.dir, 'boot_id'), 'utf8');

  beforeEach(async () => {
    ({ box, lab } = await hostBox(HOST));
  });
  afterEach(async () => {
    await box?.stop();
  });

  it.each([
    ['ubuntu-22.04', 'netplan'],
    ['rocky-9', 'rhel'],
  ] as const)('%s: the %s files for the booking’s networks, the hostname, a reboot; the undo removes exactly those files and names the host sim-01 again', async (image, family) => {
    // Something of the image's own in the same directory stays.
    const own = family === 'netplan' ? '/etc/netplan/50-cloud-init.yaml' : '/etc/sysconfig/network-scripts/ifcfg-lo';
    await inHostOs(box, ['sh', '-c', 'echo "# the image" > "$1" && chmod 600 "$1"', 'sh', own]);
    const before = await bootId();
    const expected = renderNetworkFiles(family, { nics, publicNetwork: 'public' }).files;

    const done = await run(() => lab.activities.writeNetworkFiles(input(image)));
    expect(done.files).toEqual(expected.map((f) => f.path));
    for (const f of expected) expect(await readFile(join(box.etcChanges, f.path.replace(/^\/etc\//, '')), 'utf8')).toBe(f.content);
    expect(await etcChanges()).toEqual([`${own} 600`, ...expected.map((f) => `${f.path} ${f.mode.toString(8)}`)].sort());
    expect(await hostname()).toBe('alice-pod-1');
    expect(await bootId()).not.toBe(before);

    await run(() => lab.activities.removeNetworkFiles(input(image)));
    expect(await etcChanges()).toEqual([`${own} 600`]);
    expect(await hostname()).toBe(HOST);
    // Undone twice (a retried undo): nothing left to do, no failure.
    await run(() => lab.activities.removeNetworkFiles(input(image)));
    expect(await etcChanges()).toEqual([`${own} 600`]);
    expect(await hostname()).toBe(HOST);
  });

  it('the undo leaves a file of the same name that laas did not write', async () => {
    await inHostOs(box, ['sh', '-c', 'echo "DEVICE=eno1" > /etc/sysconfig/network-scripts/ifcfg-eno1']);
    await run(() => lab.activities.removeNetworkFiles(input('rocky-9')));
    expect(await etcChanges()).toEqual(['/etc/sysconfig/network-scripts/ifcfg-eno1 644']);
  });

  it('the undo of a plan the step refused (nothing was written) succeeds without touching the host', async () => {
    const refused = { ...input('ubuntu-22.04'), nics: [{ nic: 'eno1.5', native: null, tagged: [{ network: 'x', vlan: 5 }] }] };
    expect(await rejection(run(() => lab.activities.writeNetworkFiles(refused)))).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    await run(() => lab.activities.removeNetworkFiles(refused));
    expect(await hostname()).toBe('imaged');
    expect(await etcChanges()).toEqual([]);
  });
});
