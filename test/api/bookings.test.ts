import { describe, expect, it } from 'vitest';
import { useApiFixture } from '../helpers/api-fixture';

const fx = useApiFixture();
const { auth } = fx;

function body(overrides: Record<string, unknown> = {}) {
  return {
    project: 'demo',
    owner: 'alice',
    end: new Date(Date.now() + 3_600_000).toISOString(),
    networks: [{ name: 'public', public: true }, { name: 'private' }],
    hosts: [
      { name: 'sim-01', image: 'ubuntu-22.04', hostname: 'alice-pod-1', interfaces: { eno1: [{ network: 'public', tagged: false }], eno2: [{ network: 'private', tagged: true }] } },
      { flavor: 'sim.small', image: 'rocky-9', interfaces: { eno1: [{ network: 'public', tagged: false }] } },
    ],
    access: { sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop'], vpnUsers: ['alice'] },
    headnode: { image: 'headnode-base', networks: ['private'] },
    ...overrides,
  };
}

async function waitFor(id: string, state: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fx.api.inject({ method: 'GET', url: `/v1/bookings/${id}`, headers: auth });
    const b = res.json<{ state: string }>();
    if (b.state === state) return b as Record<string, unknown> & { state: string };
    if (Date.now() > deadline) throw new Error(`booking ${id} stayed ${b.state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the booking API', () => {
  it('answers /healthz without a token, and 401 elsewhere without one', async () => {
    expect((await fx.api.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const res = await fx.api.inject({ method: 'GET', url: '/v1/bookings/x' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { type: 'Unauthenticated', message: expect.stringContaining('bearer') as string } });
    const wrong = await fx.api.inject({ method: 'GET', url: '/v1/bookings/x', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
  });

  it('creates a booking (201 with its hosts and VLANs), resubmission returns the same booking, GET shows it active, DELETE releases it', async () => {
    const id = `api-${Date.now()}`;
    const payload = body({ id });
    const first = await fx.api.inject({ method: 'POST', url: '/v1/bookings', headers: auth, payload });
    expect(first.statusCode).toBe(201);
    const admitted = first.json<{ hosts: string[]; networks: { name: string; vlan: number }[] }>();
    expect(admitted).toEqual({
      id,
      state: 'provisioning',
      hosts: ['sim-01', expect.stringMatching(/^sim-0[2-4]$/) as string],
      networks: [
        { name: 'public', vlan: expect.any(Number) as number },
        { name: 'private', vlan: expect.any(Number) as number },
      ],
      links: { self: `/v1/bookings/${id}`, events: `/v1/bookings/${id}/events` },
    });

    const again = await fx.api.inject({ method: 'POST', url: '/v1/bookings', headers: auth, payload });
    expect(again.statusCode).toBe(201);
    expect(again.json<{ id: string; hosts: string[]; networks: unknown }>()).toMatchObject({ id, hosts: admitted.hosts, networks: admitted.networks });
    const listed = fx.env.client.workflow.list({ query: `BookingId = "${id}"` });
    let runs = 0;
    for await (const _ of listed) runs++;
    expect(runs).toBe(1);

    const conflict = await fx.api.inject({ method: 'POST', url: '/v1/bookings', headers: auth, payload: { ...payload, owner: 'bob' } });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json<{ error: { type: string } }>().error.type).toBe('BookingIdConflict');

    const active = (await waitFor(id, 'active')) as unknown as {
      hosts: { name: string; hostname: string; steps: { step: string; status: string; startedAt: string; finishedAt: string; attempt: number }[] }[];
      networks: { name: string; vlan: number }[];
      headnode: { name: string };
    };
    expect(active.hosts.map((h) => h.hostname)).toEqual(['alice-pod-1', active.hosts[1]!.name]);
    expect(active.hosts.map((h) => h.name)).toEqual(admitted.hosts);
    expect(active.networks).toEqual(admitted.networks);
    expect(active.hosts[1]!.name).toMatch(/^sim-0[2-4]$/);
    for (const h of active.hosts) {
      expect(h.steps.map((s) => s.step)).toEqual(['power', 'imaging', 'switch', 'network', 'access']);
      for (const s of h.steps) {
        expect(s.status).toBe('done');
        expect(Date.parse(s.finishedAt)).toBeGreaterThanOrEqual(Date.parse(s.startedAt));
        expect(s.attempt).toBe(1);
      }
    }
    expect(active.networks.map((n) => n.vlan).every((v) => v >= 1000 && v <= 1099)).toBe(true);
    expect(active.headnode.name).toBe(`laas-${id}-headnode`);

    const del = await fx.api.inject({ method: 'DELETE', url: `/v1/bookings/${id}`, headers: auth });
    expect(del.statusCode).toBe(202);
    await waitFor(id, 'released');
    expect(fx.env.simLab.residue()).toEqual([]);
    const closed = await fx.api.inject({ method: 'DELETE', url: `/v1/bookings/${id}`, headers: auth });
    expect(closed.statusCode).toBe(409);
  });

  it('refuses bad bodies with 400 naming the field, and starts nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [body({ end: 'tomorrow' }), 'end'],
      [body({ project: 'Demo Project' }), 'project'],
      [body({ hosts: [] }), 'hosts'],
      [body({ hosts: [{ name: 'sim-01', flavor: 'sim.small', image: 'rocky-9', interfaces: {} }] }), 'hosts.0.name'],
      [body({ hosts: [{ name: 'sim-09', image: 'rocky-9', interfaces: { eno1: [{ network: 'public' }] } }] }), 'hosts.0.name'],
      [body({ hosts: [{ name: 'sim-01', image: 'windows', interfaces: { eno1: [{ network: 'public' }] } }] }), 'hosts.0.image'],
      [body({ hosts: [{ name: 'sim-01', image: 'rocky-9', interfaces: { eno1: [{ network: 'dmz' }] } }] }), 'hosts.0.interfaces.eno1.0.network'],
      [body({ hosts: [{ name: 'sim-01', image: 'rocky-9', interfaces: { eno1: [{ network: 'public' }, { network: 'private' }] } }] }), 'hosts.0.interfaces.eno1'],
      [body({ end: new Date(Date.now() - 60_000).toISOString() }), 'end'],
      [body({ end: new Date(Date.now() + 3000 * 3_600_000).toISOString() }), 'end'],
      [body({ access: { vpnUsers: ['alice\n'] } }), 'access.vpnUsers.0'],
      [body({ surprise: true }), ''],
    ];
    for (const [payload, field] of cases) {
      const res = await fx.api.inject({ method: 'POST', url: '/v1/bookings', headers: auth, payload: { ...payload, id: `bad-${field || 'x'}` } });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      const err = res.json<{ error: { type: string; message: string } }>().error;
      expect(err.type).toBe('InvalidRequest');
      expect(err.message.startsWith(`${field}`), err.message).toBe(true);
    }
    const started = fx.env.client.workflow.list({ query: `BookingId STARTS_WITH "bad-"` });
    for await (const _ of started) throw new Error('a rejected request started a booking');
  });

  it('takes a bodiless DELETE with a JSON content type, and names broken JSON', async () => {
    const res = await fx.api.inject({ method: 'DELETE', url: '/v1/bookings/nothing-here', headers: { ...auth, 'content-type': 'application/json' } });
    expect(res.json()).toEqual({ error: { type: 'BookingNotFound', message: 'no booking nothing-here' } });
    const broken = await fx.api.inject({ method: 'POST', url: '/v1/bookings', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"project": ' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json<{ error: { message: string } }>().error.message).toMatch(/^body is not valid JSON/);
  });

  it('answers 404 for an unknown booking', async () => {
    const res = await fx.api.inject({ method: 'GET', url: '/v1/bookings/does-not-exist', headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { type: 'BookingNotFound', message: 'no booking does-not-exist' } });
  });
});
