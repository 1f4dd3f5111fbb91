import { afterAll, beforeAll, describe, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { buildServer } from '../../api/server';
import { bookingWorkflowId, hostWorkflowId, releaseSignal, resetVpnPasswordUpdate } from '../../workflows/definitions';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';

// Records the shapes issue 14's patches add (admission Update, refusal, input errors, the hold
// capped by the lease, a VPN password reset) for histories.test.ts to replay from then on:
// `LAAS_RECORD_HISTORIES=1 npx vitest run test/workflows/histories-i14.test.ts`.

const historiesDir = join(import.meta.dirname, '..', 'histories');
const token = 'history-token-0123456789';

describe.runIf(process.env.LAAS_RECORD_HISTORIES === '1')('recording issue 14 histories', () => {
  let env: LabWorker;
  let api: FastifyInstance;
  beforeAll(async () => {
    env = await startLabWorker();
    api = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: token });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });
  async function save(name: string, workflowId: string): Promise<void> {
    const file = join(historiesDir, `${name}.i14.json`);
    if (existsSync(file)) return;
    writeFileSync(file, `${historyToJSON(await env.client.workflow.getHandle(workflowId).fetchHistory())}\n`);
  }
  const create = (payload: object) => api.inject({ method: 'POST', url: '/v1/bookings', headers: { authorization: `Bearer ${token}` }, payload });
  const request = (id: string, start?: Date) => ({
    id,
    project: 'demo',
    owner: 'alice',
    ...(start ? { start: start.toISOString() } : {}),
    end: new Date((start?.getTime() ?? Date.now()) + 3_600_000).toISOString(),
    networks: [{ name: 'public', public: true }],
    hosts: [{ name: 'sim-01', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public' }] } }],
    access: { vpnUsers: ['alice'] },
  });

  it('records an admitted booking with a VPN password reset, and a refused one', async () => {
    await create(request('history-admitted'));
    const handle = env.client.workflow.getHandle(bookingWorkflowId('history-admitted'));
    await waitForState(handle, ['active']);
    await handle.executeUpdate(resetVpnPasswordUpdate, { args: [{}] });
    await create(request('history-refused'));
    await env.client.workflow.getHandle(bookingWorkflowId('history-refused')).result().catch(() => undefined);
    await save('booking-refused', bookingWorkflowId('history-refused'));
    await handle.signal(releaseSignal, { reason: 'recording' });
    await handle.result();
    await save('booking-admitted-released', handle.workflowId);
    await save('host-admitted-released', hostWorkflowId('history-admitted', 'sim-01'));
    await create(request('history-scheduled', new Date(Date.now() + 3_000)));
    const later = env.client.workflow.getHandle(bookingWorkflowId('history-scheduled'));
    await waitForState(later, ['active']);
    await later.signal(releaseSignal, { reason: 'recording' });
    await later.result();
    await save('booking-scheduled', later.workflowId);
  });

  it('records an input error under the hold policy, and a hold capped by the lease', async () => {
    const bad = sampleBooking(['sim-02'], { id: 'history-input-error', failurePolicy: 'hold', holdTimeoutMs: 600_000, headnode: undefined, access: { sshKeys: ['not a key'], vpnUsers: [] } });
    await (await startBooking(env.client, env.taskQueue, bad)).result().catch(() => undefined);
    await save('booking-input-error', bookingWorkflowId(bad.id));
    await save('host-input-error', hostWorkflowId(bad.id, 'sim-02'));
    env.simLab.faults.inject({ at: 'switch.configure', target: 'sim-03', kind: 'permanent' });
    const held = sampleBooking(['sim-03'], { id: 'history-hold-capped', failurePolicy: 'hold', holdTimeoutMs: 600_000, end: new Date(Date.now() + 6_000).toISOString(), headnode: undefined, access: { sshKeys: [], vpnUsers: [] } });
    await (await startBooking(env.client, env.taskQueue, held)).result().catch(() => undefined);
    env.simLab.faults.clear();
    await save('host-hold-capped', hostWorkflowId(held.id, 'sim-03'));
  });
});
