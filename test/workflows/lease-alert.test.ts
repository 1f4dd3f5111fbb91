/**
 * A booking whose end another system decides (the LaaS 2.x dashboard connector's, checklist #17):
 * its end is a safety bound. Reaching it records a `lease:alert` event, listed by
 * `/v1/bookings/:id/events`, and the booking stays active with its hosts until it is released.
 * LAAS_RECORD_HISTORIES=1 records the new shape's history (`*.i12b.json`, never replaced).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { buildServer } from '../../api/server';
import { toWorkflowInput } from '../../api/booking-rules';
import { releaseSignal } from '../../workflows/definitions';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';
import { until } from '../helpers/liblaas';

const apiToken = 'lease-alert-test-api-token-0123';
let env: LabWorker;
let api: FastifyInstance;

beforeAll(async () => {
  env = await startLabWorker();
  api = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken });
});
afterAll(async () => {
  await api?.close();
  await env?.close();
});

const headers = { authorization: `Bearer ${apiToken}` };
const eventsOf = async (id: string) => (await api.inject({ method: 'GET', url: `/v1/bookings/${id}/events`, headers })).json<{ events: { kind: string; detail: Record<string, unknown> }[] }>().events;
const stateOf = async (id: string) => (await api.inject({ method: 'GET', url: `/v1/bookings/${id}`, headers })).json<{ state: string }>().state;

describe('a booking whose end is a safety bound (leaseEnd: alert)', () => {
  it('raises a lease:alert event at its end and keeps the booking and its hosts until released', async () => {
    const input = sampleBooking(['sim-01'], { headnode: undefined, leaseEnd: 'alert', end: new Date(Date.now() + 20_000).toISOString() });
    const handle = await startBooking(env.client, env.taskQueue, input);
    await waitForState(handle, ['active']);
    const alert = await until('the lease alert', async () => (await eventsOf(input.id)).find((e) => e.kind === 'lease:alert'));
    expect(alert.detail).toMatchObject({ end: input.end, message: expect.stringContaining('only a release ends it') as string });
    // Past its end the booking is still active, the host keeps its image and the ports their VLANs.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await stateOf(input.id)).toBe('active');
    expect((await eventsOf(input.id)).map((e) => e.kind)).not.toContain('state:releasing');
    expect(env.simLab.host('sim-01').image).toBe('1');
    await handle.signal(releaseSignal, { reason: 'the dashboard re-issued the teardown' });
    expect((await handle.result()).state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);
    await record('booking-lease-alert', handle.workflowId);
  });

  it('is asked for with leaseEnd on POST /v1/bookings; anything but release or alert is refused naming the field', async () => {
    const body = {
      project: 'demo',
      owner: 'alice',
      end: new Date(Date.now() + 3_600_000).toISOString(),
      networks: [{ name: 'public', public: true }],
      hosts: [{ name: 'sim-02', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public', tagged: false }] } }],
      access: { sshKeys: [], vpnUsers: [] },
    };
    expect(toWorkflowInput({ ...body, leaseEnd: 'alert' } as never, 'x', env.lab, new Date()).leaseEnd).toBe('alert');
    expect(toWorkflowInput({ ...body, leaseEnd: 'release' } as never, 'x', env.lab, new Date())).not.toHaveProperty('leaseEnd');
    const res = await api.inject({ method: 'POST', url: '/v1/bookings', headers, payload: { ...body, id: 'lease-alert-bad', leaseEnd: 'never' } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { message: string } }>().error.message).toContain('leaseEnd');
    expect(await env.database.db.selectFrom('bookings').select('id').where('id', '=', 'lease-alert-bad').execute()).toEqual([]);
  });
});

async function record(scenario: string, workflowId: string): Promise<void> {
  if (process.env.LAAS_RECORD_HISTORIES !== '1') return;
  const file = join(import.meta.dirname, '..', 'histories', `${scenario}.i12b.json`);
  if (existsSync(file)) return;
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  writeFileSync(file, `${historyToJSON(history)}\n`);
}
