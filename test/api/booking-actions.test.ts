import { describe, expect, it } from 'vitest';
import { useApiFixture } from '../helpers/api-fixture';

const fx = useApiFixture();
const { auth } = fx;

function booking(id: string, host: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    project: 'demo',
    owner: 'alice',
    end: new Date(Date.now() + 3_600_000).toISOString(),
    networks: [{ name: 'public', public: true }],
    hosts: [{ name: host, image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public', tagged: false }] } }],
    ...extra,
  };
}

async function stateOf(id: string): Promise<string> {
  return (await fx.api.inject({ method: 'GET', url: `/v1/bookings/${id}`, headers: auth })).json<{ state: string }>().state;
}

async function until(id: string, state: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await stateOf(id)) !== state) {
    if (Date.now() > deadline) throw new Error(`booking ${id} never became ${state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('booking actions over HTTP', () => {
  it('extends a booking, lists its events in order, and refuses to extend into the past', async () => {
    const id = `act-${Date.now()}`;
    expect((await fx.api.inject({ method: 'POST', url: '/v1/bookings', headers: auth, payload: booking(id, 'sim-01') })).statusCode).toBe(201);
    await until(id, 'active');
    const end = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const ok = await fx.api.inject({ method: 'POST', url: `/v1/bookings/${id}/extend`, headers: auth, payload: { end } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ end });
    const past = await fx.api.inject({ method: 'POST', url: `/v1/bookings/${id}/extend`, headers: auth, payload: { end: '2020-01-01T00:00:00Z' } });
    expect(past.statusCode).toBe(409);
    expect(past.json()).toEqual({ error: { type: 'BookingConflict', message: 'end is in the past' } });

    const events = await fx.api.inject({ method: 'GET', url: `/v1/bookings/${id}/events`, headers: auth });
    const kinds = events.json<{ events: { id: string; kind: string }[] }>().events.map((e) => e.kind);
    // The booking's own events, in order; its host steps' start and end are among them (read-model tests).
    expect(kinds.filter((k) => !k.startsWith('step:'))).toEqual(['state:provisioning', 'allocated', 'state:active', 'extended']);
    expect(kinds.filter((k) => k.startsWith('step:'))).toHaveLength(10);
    const lastId = events.json<{ events: { id: string }[] }>().events.at(-1)!.id;
    const after = await fx.api.inject({ method: 'GET', url: `/v1/bookings/${id}/events?after=${lastId}`, headers: auth });
    expect(after.json()).toEqual({ events: [] });

    await fx.api.inject({ method: 'DELETE', url: `/v1/bookings/${id}`, headers: auth });
    await until(id, 'released');
    const closed = await fx.api.inject({ method: 'POST', url: `/v1/bookings/${id}/extend`, headers: auth, payload: { end } });
    expect(closed.statusCode).toBe(409);
  });

  it('lets an operator retry a held booking, and refuses retry when nothing is held', async () => {
    const id = `hold-${Date.now()}`;
    fx.env.simLab.faults.inject({ at: 'imaging.deploy', target: 'sim-02', kind: 'permanent' });
    await fx.api.inject({ method: 'POST', url: '/v1/bookings', headers: auth, payload: booking(id, 'sim-02', { failurePolicy: 'hold' }) });
    await until(id, 'held');
    const held = (await fx.api.inject({ method: 'GET', url: `/v1/bookings/${id}`, headers: auth })).json<{ hosts: { held?: { step: string } }[] }>();
    expect(held.hosts[0]!.held?.step).toBe('imaging');
    fx.env.simLab.faults.clear();
    const retry = await fx.api.inject({ method: 'POST', url: `/v1/bookings/${id}/retry`, headers: auth, payload: { action: 'retry' } });
    expect(retry.json()).toEqual({ hosts: ['sim-02'] });
    await until(id, 'active');
    const again = await fx.api.inject({ method: 'POST', url: `/v1/bookings/${id}/retry`, headers: auth, payload: { action: 'retry' } });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ error: { message: string } }>().error.message).toBe('booking is active: no host is waiting for an operator');
    const cleanup = await fx.api.inject({ method: 'POST', url: `/v1/bookings/${id}/cleanup`, headers: auth });
    expect(cleanup.statusCode).toBe(409);
    await fx.api.inject({ method: 'DELETE', url: `/v1/bookings/${id}`, headers: auth });
    await until(id, 'released');
  });

  it('answers 404 for the events and actions of an unknown booking', async () => {
    for (const [method, url] of [['GET', '/v1/bookings/nope/events'], ['POST', '/v1/bookings/nope/cleanup']] as const) {
      const res = await fx.api.inject({ method, url, headers: auth });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toEqual({ error: { type: 'BookingNotFound', message: 'no booking nope' } });
    }
  });
});
