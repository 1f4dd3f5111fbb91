import { describe, expect, it } from 'vitest';
import { setHostState } from '../../db/hosts';
import { useApiFixture, withForeignFlavorImage } from '../helpers/api-fixture';

// What a dashboard reads to offer the lab: hosts, flavors, images, free windows, the lab's limits,
// answered from the inventory and the allocation tables.

const fx = useApiFixture({ lab: withForeignFlavorImage });
const { auth } = fx;

const get = async <T>(url: string) => {
  const res = await fx.api.inject({ method: 'GET', url, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
};
const hour = 3_600_000;
const iso = (t: number) => new Date(t).toISOString();

describe('discovery routes', () => {
  it('lists the lab, its flavors, images and hosts without secrets', async () => {
    expect(await get('/v1/lab')).toEqual({ name: 'sim', maxLeaseHours: 2016, holdTimeoutMinutes: 240, failurePolicy: 'compensate', vlanPool: { from: 1000, to: 1099, size: 100 } });
    expect(await get('/v1/flavors')).toEqual({ flavors: [{ name: 'sim.small', hosts: ['sim-01', 'sim-02', 'sim-03', 'sim-04'], images: ['ubuntu-22.04', 'rocky-9'] }] });
    expect(await get('/v1/images')).toEqual({
      images: [
        { name: 'ubuntu-22.04', osFamily: 'netplan', flavors: ['sim.small'] },
        { name: 'rocky-9', osFamily: 'rhel', flavors: ['sim.small'] },
        { name: 'gpu-ubuntu', osFamily: 'netplan', flavors: ['gpu.large'] },
      ],
    });
    const { hosts } = await get<{ hosts: Record<string, unknown>[] }>('/v1/hosts');
    expect(hosts[0]).toEqual({ name: 'sim-01', flavor: 'sim.small', state: 'available', nics: ['eno1', 'eno2'], heldBy: [] });
    const text = JSON.stringify(hosts);
    for (const secret of ['bmc', 'sim://', '52:54:00', 'Ethernet1/']) expect(text).not.toContain(secret);
  });

  it('shows who holds a host until when, and the free windows and hosts around it', async () => {
    const start = Date.now() + 10 * hour;
    const id = `disc-${Date.now()}`;
    const created = await fx.api.inject({
      method: 'POST',
      url: '/v1/bookings',
      headers: auth,
      payload: { id, project: 'demo', owner: 'alice', start: iso(start), end: iso(start + 2 * hour), networks: [{ name: 'n' }], hosts: [{ name: 'sim-02', image: 'rocky-9', interfaces: { eno1: [{ network: 'n' }] } }] },
    });
    expect(created.statusCode, created.body).toBe(201);
    await setHostState(fx.env.database.db, 'sim-04', 'maintenance');

    const { hosts } = await get<{ hosts: { name: string; state: string; heldBy: unknown[] }[] }>('/v1/hosts');
    expect(hosts.find((h) => h.name === 'sim-02')!.heldBy).toEqual([{ bookingId: id, project: 'demo', start: iso(start), end: iso(start + 2 * hour) }]);
    expect(hosts.find((h) => h.name === 'sim-04')!.state).toBe('maintenance');

    const from = start - hour;
    const to = start + 4 * hour;
    const free = await get<{ freeHosts: string[]; hosts: { name: string; free: unknown[] }[]; vlans: { pool: number; free: number } }>(
      `/v1/availability?from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}&flavor=sim.small`,
    );
    expect(free.freeHosts).toEqual(['sim-01', 'sim-03']);
    expect(free.hosts.find((h) => h.name === 'sim-02')!.free).toEqual([
      { start: iso(from), end: iso(start) },
      { start: iso(start + 2 * hour), end: iso(to) },
    ]);
    expect(free.hosts.find((h) => h.name === 'sim-04')!.free).toEqual([]);
    expect(free.vlans).toEqual({ pool: 100, free: 99 });

    const one = await get<{ hosts: { name: string }[] }>(`/v1/availability?from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}&host=sim-02`);
    expect(one.hosts.map((h) => h.name)).toEqual(['sim-02']);
    const bad = await fx.api.inject({ method: 'GET', url: `/v1/availability?from=${encodeURIComponent(iso(to))}&to=${encodeURIComponent(iso(from))}`, headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(/^to: must be after from/);

    await setHostState(fx.env.database.db, 'sim-04', 'available');
    await fx.api.inject({ method: 'DELETE', url: `/v1/bookings/${id}`, headers: auth });
  });
});
