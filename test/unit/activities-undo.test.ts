// Undos run whenever their step was started, also when it failed before changing anything, and
// again when they are retried: with nothing to undo they succeed and leave the lab as it is.
import { describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { activityEnv, simActivities, simLabDescription } from './activities-support';

const networkInput = {
  host: 'sim-01',
  image: 'rocky-9',
  hostname: 'pod-1',
  nics: [{ nic: 'eno1', native: { network: 'public', vlan: 1001 }, tagged: [] }],
  publicNetwork: 'public',
};

const undos: [string, (a: Activities) => Promise<void>][] = [
  ['removeSshKeys', (a) => a.removeSshKeys({ bookingId: 'b-1', host: 'sim-01' })],
  ['removeNetworkFiles', (a) => a.removeNetworkFiles(networkInput)],
  ['removeNetworkFiles of a plan the step refused', (a) => a.removeNetworkFiles({ ...networkInput, nics: [{ nic: 'eno1.7', native: null, tagged: [{ network: 'x', vlan: 7 }] }] })],
  ['resetSwitchPorts', (a) => a.resetSwitchPorts({ host: 'sim-01', nics: ['eno1', 'eno2'] })],
  ['cancelImaging', (a) => a.cancelImaging({ host: 'sim-01' })],
  ['powerOffHost', (a) => a.powerOffHost({ host: 'sim-01' })],
  ['removeVpnAccounts', (a) => a.removeVpnAccounts({ bookingId: 'b-1', users: ['alice'] })],
  ['destroyHeadnode', (a) => a.destroyHeadnode({ bookingId: 'b-1' })],
];

describe('undos with nothing to undo', () => {
  it.each(undos)('%s succeeds, twice, and the lab is clean', async (_name, undo) => {
    const lab = simActivities();
    await activityEnv(lab.simLab).run(() => undo(lab.activities));
    await activityEnv(lab.simLab).run(() => undo(lab.activities));
    expect(lab.simLab.residue()).toEqual([]);
  });

  it('resetSwitchPorts resets the ports of the NICs the host has and skips one it has not', async () => {
    const lab = simActivities();
    const nics = [{ nic: 'eno1', native: { network: 'public', vlan: 1001 }, tagged: [{ network: 'private', vlan: 1002 }] }];
    await activityEnv(lab.simLab).run(() => lab.activities.configureSwitchPorts({ host: 'sim-01', nics }));
    expect(lab.simLab.residue()).toEqual(['sim-switch Ethernet1/1: VLANs {"native":1001,"tagged":[1002]}']);
    await activityEnv(lab.simLab).run(() => lab.activities.resetSwitchPorts({ host: 'sim-01', nics: ['eno1', 'eno9'] }));
    expect(lab.simLab.residue()).toEqual([]);
  });

  it('an undo whose step was refused by validation before touching the switch counts as done', async () => {
    // A port the simulated switch's driver refuses (it has Ethernet1/1 to Ethernet1/48).
    const description = simLabDescription();
    const host = description.hosts.find((h) => h.name === 'sim-01')!;
    host.nics = host.nics.map((n) => (n.name === 'eno2' ? { ...n, port: 'Ethernet1/60' } : n));
    const lab = simActivities({ lab: description });
    const nics = [{ nic: 'eno2', native: { network: 'public', vlan: 1001 }, tagged: [] }];
    const refused = await activityEnv(lab.simLab).run(() => lab.activities.configureSwitchPorts({ host: 'sim-01', nics })).catch((e: unknown) => e);
    expect(refused).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(lab.simLab.residue()).toEqual([]);
    await activityEnv(lab.simLab).run(() => lab.activities.resetSwitchPorts({ host: 'sim-01', nics: ['eno1', 'eno2'] }));
    expect(lab.simLab.residue()).toEqual([]);
  });
});
