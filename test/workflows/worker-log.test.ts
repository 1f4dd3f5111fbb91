import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../workers/logging';
import { dataConverterFromEnv } from '../../config/payload-codec';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';
import { releaseSignal } from '../../workflows/definitions';
import { createStepMetrics, vendorsOf } from '../../workers/metrics';
import { loadLab } from '../../config/load-lab';
import { simLabFile } from '../helpers/lab-worker';
import { gauge, histogramSeries } from '../helpers/prometheus';

// The worker's log: one JSON line per step start, finish, retry and undo, with the booking id and
// host, and none of the booking's secrets.
const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});
let lab: LabWorker;
const steps = createStepMetrics();
beforeAll(async () => {
  lab = await startLabWorker({ log: createLogger('worker', 'info', sink), metrics: { steps, vendorOf: vendorsOf(loadLab(simLabFile)) }, dataConverter: dataConverterFromEnv(process.env, () => undefined).dataConverter });
});
afterAll(async () => {
  await lab?.close();
});

describe('the worker log', () => {
  it('has one line per step start/finish/retry/undo with booking id and host, and no secret', async () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u log-secret@laptop';
    lab.simLab.faults.inject({ at: 'switch.configure', target: 'sim-02', kind: 'transient', times: 1 });
    const input = sampleBooking(['sim-02'], { access: { sshKeys: [key], vpnUsers: [] } });
    const handle = await startBooking(lab.client, lab.taskQueue, input);
    await waitForState(handle, ['active']);
    const ofHost = lines.filter((l) => l.bookingId === input.id && l.host === 'sim-02');
    const msgs = ofHost.map((l) => l.msg);
    for (const step of ['preparePower', 'imageHost', 'configureSwitchPorts', 'writeNetworkFiles', 'installSshKeys']) {
      expect(msgs, step).toContain(`step ${step} start`);
      expect(msgs, step).toContain(`step ${step} finished`);
    }
    expect(msgs).toContain('step configureSwitchPorts failed');
    expect(msgs).toContain('step configureSwitchPorts retry');

    await handle.signal(releaseSignal, { reason: 'test' });
    await waitForState(handle, ['released']);
    const undos = lines.filter((l) => l.bookingId === input.id && l.kind === 'undo' && String(l.msg).endsWith('finished')).map((l) => l.step);
    expect(undos).toEqual(expect.arrayContaining(['powerOffHost', 'resetSwitchPorts', 'removeSshKeys']));
    expect(JSON.stringify(lines)).not.toContain('log-secret');
  });

  it('counts the same retry and failure in the worker metrics, by step and vendor', async () => {
    const text = await steps.registry.metrics();
    const retries = gauge(text, 'laas_step_retries_total').find((s) => s.labels.step === 'configureSwitchPorts');
    expect(retries).toEqual({ labels: { step: 'configureSwitchPorts', vendor: 'sim' }, value: 1 });
    const failures = gauge(text, 'laas_step_failures_total').filter((s) => s.labels.step === 'configureSwitchPorts');
    expect(failures.reduce((n, s) => n + s.value, 0)).toBe(1);
    const failed = histogramSeries(text, 'laas_step_duration_seconds').find((s) => s.series === 'count' && s.labels.step === 'configureSwitchPorts' && s.labels.outcome === 'failed');
    expect(failed?.value).toBe(1);
    const undo = histogramSeries(text, 'laas_step_duration_seconds').find((s) => s.series === 'count' && s.labels.step === 'powerOffHost' && s.labels.outcome === 'ok');
    expect(undo?.value).toBeGreaterThanOrEqual(1);
  });
});
