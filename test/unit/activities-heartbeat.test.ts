// Every step and every undo heartbeats: once when it starts, then every few seconds while a
// device call is in flight, so a worker that died is noticed within the heartbeat timeout. The
// heartbeat is also how a cancellation reaches a running step, which then stops between calls.
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { activityEnv, journalSince, rejection, simActivities } from './activities-support';

// Each device call takes 150 ms; a beat every 20 ms shows several beats inside one call.
const LATENCY_MS = 150;
const BEAT_MS = 20;

const aliceKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop';
const nics = [{ nic: 'eno1', native: { network: 'public', vlan: 1001 }, tagged: [{ network: 'private', vlan: 1002 }] }];
const networkInput = { host: 'sim-01', image: 'ubuntu-22.04', hostname: 'pod-1', nics, publicNetwork: 'public' };

/** Steps and undos in an order where each undo has its step's work to remove. */
const calls: [keyof Activities, (a: Activities) => Promise<unknown>][] = [
  ['preparePower', (a) => a.preparePower({ host: 'sim-01' })],
  ['configureSwitchPorts', (a) => a.configureSwitchPorts({ host: 'sim-01', nics })],
  ['writeNetworkFiles', (a) => a.writeNetworkFiles(networkInput)],
  ['installSshKeys', (a) => a.installSshKeys({ bookingId: 'b-1', host: 'sim-01', keys: [aliceKey] })],
  ['createVpnAccounts', (a) => a.createVpnAccounts({ bookingId: 'b-1', project: 'p', users: ['alice'] })],
  ['createHeadnode', (a) => a.createHeadnode({ bookingId: 'b-1', image: 'headnode-base', networks: [{ name: 'private', vlan: 1002 }] })],
  ['destroyHeadnode', (a) => a.destroyHeadnode({ bookingId: 'b-1' })],
  ['removeVpnAccounts', (a) => a.removeVpnAccounts({ bookingId: 'b-1', users: ['alice'] })],
  ['removeSshKeys', (a) => a.removeSshKeys({ bookingId: 'b-1', host: 'sim-01' })],
  ['removeNetworkFiles', (a) => a.removeNetworkFiles(networkInput)],
  ['resetSwitchPorts', (a) => a.resetSwitchPorts({ host: 'sim-01', nics: ['eno1'] })],
  ['cancelImaging', (a) => a.cancelImaging({ host: 'sim-01' })],
  ['powerOffHost', (a) => a.powerOffHost({ host: 'sim-01' })],
];

describe('heartbeats of steps and undos', () => {
  const lab = simActivities({ latencyMs: LATENCY_MS, timing: { heartbeatMs: BEAT_MS } });

  it.each(calls.map(([name, call]) => ({ name, call })))('$name beats before its first device call and while each call is in flight', async ({ call }) => {
    const { beats, run: runIn } = activityEnv(lab.simLab);
    const before = lab.simLab.journal.length;
    await runIn(() => call(lab.activities));
    const ops = lab.simLab.journal.length - before;
    expect(ops).toBeGreaterThan(0);
    expect(beats[0]?.ops).toBe(before);
    // Every device call (150 ms) saw beats while it ran, not only the one at the start.
    for (let done = 0; done < ops; done++) {
      expect(beats.filter((b) => b.ops === before + done).length, `beats while call ${done + 1} of ${ops} ran`).toBeGreaterThanOrEqual(3);
    }
  });

  it('the interval stops with the step: no beat after it returned', async () => {
    const { beats, run: runIn } = activityEnv(lab.simLab);
    await runIn(() => lab.activities.preparePower({ host: 'sim-02' }));
    const count = beats.length;
    await new Promise((r) => setTimeout(r, BEAT_MS * 5));
    expect(beats.length).toBe(count);
  });
});

describe('cancellation', () => {
  it('a cancelled power step stops after the call in flight and never sets the boot device', async () => {
    const lab = simActivities({ latencyMs: LATENCY_MS, timing: { heartbeatMs: BEAT_MS } });
    const { env, run: runIn } = activityEnv(lab.simLab);
    const failure = rejection(runIn(() => lab.activities.preparePower({ host: 'sim-03' })));
    setTimeout(() => env.cancel(), LATENCY_MS / 3);
    expect(await failure).toBeInstanceOf(CancelledFailure);
    // power.off was already at the BMC and finished; nothing came after it.
    await new Promise((r) => setTimeout(r, LATENCY_MS * 2));
    expect(journalSince(lab.simLab)).toEqual(['power.off sim-03']);
    expect(lab.simLab.host('sim-03').bootDevice).toBe('disk');
  });

  it('a cancelled switch undo stops before the next switch session', async () => {
    const lab = simActivities({ latencyMs: LATENCY_MS, timing: { heartbeatMs: BEAT_MS } });
    const { env, run: runIn } = activityEnv(lab.simLab);
    env.cancel();
    expect(await rejection(runIn(() => lab.activities.resetSwitchPorts({ host: 'sim-01', nics: ['eno1', 'eno2'] })))).toBeInstanceOf(CancelledFailure);
    expect(journalSince(lab.simLab)).toEqual([]);
  });
});
