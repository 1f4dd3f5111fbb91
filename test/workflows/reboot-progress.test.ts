import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../api/server';
import { stepCell } from '../../cli/commands/booking-screen';
import type { StepView } from '../../cli/commands/booking-types';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';

// A reboot's elapsed time is progress: while the network step waits for its host to come back,
// GET /v1/bookings/:id shows how long so far, and `watch`/`show` print it in the step's cell.
const token = 'reboot-progress-token-0123456789';
let lab: LabWorker;
let api: Awaited<ReturnType<typeof buildServer>>;
beforeAll(async () => {
  lab = await startLabWorker({ operationLatencyMs: { 'host.reboot': 4_000 } });
  api = await buildServer({ temporal: lab.client, db: lab.database.db, lab: lab.lab, taskQueue: lab.taskQueue, apiToken: token });
});
afterAll(async () => {
  await api?.close();
  await lab?.close();
});

describe('reboot progress', () => {
  it('GET /v1/bookings/:id shows the reboot wait growing, and the CLI cell says rebooting', { timeout: 90_000 }, async () => {
    const input = sampleBooking(['sim-04']);
    const handle = await startBooking(lab.client, lab.taskQueue, input);
    const seen: number[] = [];
    let cell = '';
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && seen.length < 3; await new Promise((r) => setTimeout(r, 300))) {
      const res = await api.inject({ method: 'GET', url: `/v1/bookings/${input.id}`, headers: { authorization: `Bearer ${token}` } });
      if (res.statusCode !== 200) continue;
      const network = res.json<{ hosts: { steps: StepView[] }[] }>().hosts[0]?.steps.find((s) => s.step === 'network');
      if (network?.status === 'running' && typeof network.rebootWaitMs === 'number' && network.rebootWaitMs !== seen.at(-1)) {
        seen.push(network.rebootWaitMs);
        cell = stepCell(network, Date.now());
      }
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(cell).toMatch(/^rebooting \d+(\.\d)?s /);
    const active = await waitForState(handle, ['active']);
    expect(active.state).toBe('active');
    // Once done, the step shows no reboot wait.
    const done = await api.inject({ method: 'GET', url: `/v1/bookings/${input.id}`, headers: { authorization: `Bearer ${token}` } });
    const network = done.json<{ hosts: { steps: StepView[] }[] }>().hosts[0]!.steps.find((s) => s.step === 'network')!;
    expect(network.status).toBe('done');
    expect(network.rebootWaitMs).toBeUndefined();
  });
});
