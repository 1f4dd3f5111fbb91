/**
 * Re-image of a running booking's host (issue 12, used by issue 11): through the API, one host of
 * a 2-host booking gets another image on the imaging server; the other host and every switch port
 * stay as they were; the steps and the booking's events show it; a teardown after or during a
 * re-image leaves the lab clean. LAAS_RECORD_HISTORIES=1 records the new shape's histories.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { buildServer } from '../../api/server';
import { bookingStatusQuery, hostStatusQuery, hostWorkflowId, releaseSignal } from '../../workflows/definitions';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';

const apiToken = 'reimage-test-api-token-0123';
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

const reimage = (id: string, host: string, image: string) =>
  api.inject({ method: 'POST', url: `/v1/bookings/${id}/hosts/${host}/reimage`, headers: { authorization: `Bearer ${apiToken}` }, payload: { image } });
const eventsOf = async (id: string) =>
  (await api.inject({ method: 'GET', url: `/v1/bookings/${id}/events`, headers: { authorization: `Bearer ${apiToken}` } })).json<{ events: { kind: string; detail: Record<string, unknown> }[] }>().events;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const portsNow = () => JSON.stringify([...env.simLab.ports.entries()].map(([sw, ports]) => [sw, [...ports.entries()]]));

describe('re-imaging a host of a running booking', () => {
  it('puts the new image on that host only, leaves the switch alone, and tears down clean afterwards', async () => {
    const input = sampleBooking(['sim-01', 'sim-02'], { headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    await waitForState(handle, ['active']);
    expect(env.simLab.host('sim-01').image).toBe('1');
    const ports = portsNow();
    const journalBefore = env.simLab.journal.length;

    const res = await reimage(input.id, 'sim-01', 'rocky-9');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ id: input.id, host: 'sim-01', image: 'rocky-9', reimage: 1 });

    const done = await until('the re-image', async () => {
      const s = await handle.query(bookingStatusQuery);
      return s.hosts[0]!.reimage?.state === 'done' ? s : undefined;
    });
    // rocky-9 is imaging id 2 on the imaging server; sim-02 keeps ubuntu (id 1).
    expect(env.simLab.host('sim-01').image).toBe('2');
    expect(env.simLab.host('sim-02').image).toBe('1');
    expect(done.state).toBe('active');
    expect(done.hosts[0]!.image).toBe('rocky-9');
    expect(done.hosts[0]!.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(portsNow()).toBe(ports);
    const ops = env.simLab.journal.slice(journalBefore);
    expect(ops.filter((o) => o.at.startsWith('switch'))).toEqual([]);
    expect(ops.every((o) => o.target !== 'sim-02')).toBe(true);
    expect(ops.some((o) => o.at.startsWith('imaging') && o.target === 'sim-01')).toBe(true);
    // The host child ran power, imaging, network and access again, and not the switch.
    const host = await env.client.workflow.getHandle(hostWorkflowId(input.id, 'sim-01')).fetchHistory();
    const scheduled = (host.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
    expect(scheduled).toEqual(['preparePower', 'imageHost', 'configureSwitchPorts', 'writeNetworkFiles', 'installSshKeys', 'preparePower', 'imageHost', 'writeNetworkFiles', 'installSshKeys']);

    const events = await until('the host:reimaged event', async () => {
      const list = await eventsOf(input.id);
      return list.some((e) => e.kind === 'host:reimaged') ? list : undefined;
    });
    expect(events.filter((e) => e.kind.startsWith('host:reimage')).map((e) => [e.kind, e.detail])).toEqual([
      ['host:reimage', { host: 'sim-01', image: 'rocky-9', reimage: 1 }],
      ['host:reimaged', { host: 'sim-01', image: 'rocky-9', reimage: 1 }],
    ]);

    await handle.signal(releaseSignal, { reason: 'test' });
    expect((await handle.result()).state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);
    await record('booking-reimaged', handle.workflowId);
    await record('host-reimaged', hostWorkflowId(input.id, 'sim-01'));
  });

  it('refuses an image the lab does not have, a host the booking does not hold, and a booking that is not active', async () => {
    const input = sampleBooking(['sim-03'], { headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    await waitForState(handle, ['active']);
    const noImage = await reimage(input.id, 'sim-03', 'windows-95');
    expect([noImage.statusCode, noImage.json<{ error: { message: string } }>().error.message]).toEqual([400, 'image: no image windows-95 in lab sim']);
    const noHost = await reimage(input.id, 'sim-01', 'rocky-9');
    expect([noHost.statusCode, noHost.json<{ error: { message: string } }>().error.message]).toEqual([409, `host sim-01 is not in booking ${input.id}`]);
    expect((await reimage('no-such-booking', 'sim-03', 'rocky-9')).statusCode).toBe(404);
    await handle.signal(releaseSignal, { reason: 'test' });
    await handle.result();
    const closed = await reimage(input.id, 'sim-03', 'rocky-9');
    expect(closed.statusCode).toBe(409);
  });

  it('a teardown during a re-image stops it and undoes the host', async () => {
    const input = sampleBooking(['sim-04'], { headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    await waitForState(handle, ['active']);
    env.simLab.imagingMs = 20_000;
    try {
      expect((await reimage(input.id, 'sim-04', 'rocky-9')).statusCode).toBe(202);
      // The host child knows its steps as they run (the booking hears them when the re-image ends).
      const child = env.client.workflow.getHandle(hostWorkflowId(input.id, 'sim-04'));
      await until('the re-image imaging', async () => {
        const s = await child.query(hostStatusQuery);
        return s.steps.find((x) => x.step === 'imaging')!.status === 'running' ? true : undefined;
      });
      await handle.signal(releaseSignal, { reason: 'test' });
      const end = await handle.result();
      expect(end.state).toBe('released');
      expect(end.hosts[0]!.reimage?.state).toBe('requested');
      expect(env.simLab.residue()).toEqual([]);
      expect([...env.simLab.imagingTasks.values()].filter((t) => t.host === 'sim-04' && ['queued', 'in-progress'].includes(t.state))).toEqual([]);
    } finally {
      env.simLab.imagingMs = 300;
    }
  });
});

/** With LAAS_RECORD_HISTORIES=1, the re-image shape's histories for the replay test (never replaced). */
async function record(scenario: string, workflowId: string): Promise<void> {
  if (process.env.LAAS_RECORD_HISTORIES !== '1') return;
  const file = join(import.meta.dirname, '..', 'histories', `${scenario}.i12.json`);
  if (existsSync(file)) return;
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  writeFileSync(file, `${historyToJSON(history)}\n`);
}
