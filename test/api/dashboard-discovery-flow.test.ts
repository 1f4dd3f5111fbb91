/**
 * A dashboard that knows nothing of the lab beforehand: it learns the flavors, images, NICs and
 * free windows from the discovery routes alone, books what is free, and follows the booking
 * until it is active, then reads where its host is, how to log in, and its per-host step events.
 */
import { describe, expect, it } from 'vitest';
import { useApiFixture } from '../helpers/api-fixture';

const fx = useApiFixture();
const { auth } = fx;

async function call<T>(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object): Promise<{ status: number; body: T }> {
  const res = await fx.api.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json<T>() };
}
const get = async <T>(url: string) => (await call<T>('GET', url)).body;

interface Availability {
  freeHosts: string[];
  hosts: { name: string; free: { start: string; end: string }[] }[];
}

describe('a dashboard that discovers the lab, then books', () => {
  it('picks a flavor, an image, NICs and a free window from the discovery routes, books it and sees it active', async () => {
    const lab = await get<{ name: string; maxLeaseHours: number }>('/v1/lab');
    const { flavors } = await get<{ flavors: { name: string; hosts: string[]; images: string[] }[] }>('/v1/flavors');
    const flavor = flavors.find((f) => f.images.length > 0 && f.hosts.length > 1)!;
    const image = flavor.images[0]!;
    const { images } = await get<{ images: { name: string; flavors: string[] }[] }>('/v1/images');
    expect(images.find((i) => i.name === image)!.flavors).toContain(flavor.name);
    const { hosts } = await get<{ hosts: { name: string; flavor: string; nics: string[] }[] }>('/v1/hosts');
    // A NIC every host of the flavor has, so whichever host the lab picks can carry the network.
    const ofFlavor = hosts.filter((h) => h.flavor === flavor.name);
    const nic = ofFlavor[0]!.nics.find((n) => ofFlavor.every((h) => h.nics.includes(n)))!;

    const from = new Date(Date.now() + 60_000);
    const to = new Date(from.getTime() + Math.min(2, lab.maxLeaseHours) * 3_600_000);
    const q = (f: Date, t: Date) => `/v1/availability?from=${encodeURIComponent(f.toISOString())}&to=${encodeURIComponent(t.toISOString())}&flavor=${flavor.name}`;
    const before = await get<Availability>(q(from, to));
    expect(before.freeHosts.length).toBeGreaterThan(0);
    // Book the first free window of a free host, starting now (the window opens at `from`).
    const window = before.hosts.find((h) => h.name === before.freeHosts[0])!.free[0]!;
    const id = `discover-${Date.now()}`;
    const created = await call<{ id: string; state: string; hosts: string[]; networks: { name: string; vlan: number }[] }>('POST', '/v1/bookings', {
      id,
      project: 'demo',
      owner: 'alice',
      end: window.end,
      networks: [{ name: 'public', public: true }],
      hosts: [{ flavor: flavor.name, image, hostname: 'discovered-1', interfaces: { [nic]: [{ network: 'public' }] } }],
    });
    expect(created.status).toBe(201);
    expect(created.body.hosts).toHaveLength(1);
    const host = created.body.hosts[0]!;
    expect(before.freeHosts).toContain(host);

    // The booked host is no longer free over the window.
    const after = await get<Availability>(q(from, to));
    expect(after.freeHosts).not.toContain(host);
    expect(after.hosts.find((h) => h.name === host)!.free).toEqual([]);

    await expect.poll(async () => (await get<{ state: string }>(`/v1/bookings/${id}`)).state, { timeout: 60_000, interval: 200 }).toBe('active');
    const view = await get<{ hosts: { name: string; hostname: string; address?: string; image?: string; loginUser?: string; ssh?: string; steps: { step: string; status: string }[] }[]; networks: unknown }>(`/v1/bookings/${id}`);
    expect(view.hosts).toEqual([expect.objectContaining({ name: host, hostname: 'discovered-1', image })]);
    // Where the host is and how to log in: the lab's address for it and its login user.
    const [reached] = view.hosts;
    expect(reached!.address).toBeTruthy();
    expect(reached!.loginUser).toBeTruthy();
    expect(reached!.ssh).toBe(`ssh ${reached!.loginUser}@${reached!.address}`);
    expect(view.hosts[0]!.steps.map((s) => [s.step, s.status])).toEqual(['power', 'imaging', 'switch', 'network', 'access'].map((s) => [s, 'done']));
    expect(view.networks).toEqual(created.body.networks);
    const { events } = await get<{ events: { kind: string; host?: string | null; step?: string | null }[] }>(`/v1/bookings/${id}/events`);
    expect(events.map((e) => e.kind).filter((k) => k.startsWith('state:') || k === 'allocated')).toEqual(['state:provisioning', 'allocated', 'state:active']);
    // Each of the host's steps ran and finished, in order, as events naming the host and the step.
    const steps = events.filter((e) => e.kind.startsWith('step:') && e.host === host).map((e) => `${e.step}:${e.kind.slice(5)}`);
    expect(steps).toEqual(['power', 'imaging', 'switch', 'network', 'access'].flatMap((s) => [`${s}:running`, `${s}:done`]));
    const { hosts: listed } = await get<{ hosts: { name: string; heldBy: { bookingId?: string }[] }[] }>('/v1/hosts');
    expect(listed.find((h) => h.name === host)!.heldBy.map((x) => x.bookingId)).toEqual([id]);

    expect((await call('DELETE', `/v1/bookings/${id}`)).status).toBe(202);
    await expect.poll(async () => (await get<{ state: string }>(`/v1/bookings/${id}`)).state, { timeout: 60_000, interval: 200 }).toBe('released');
    expect((await get<Availability>(q(from, to))).freeHosts).toContain(host);
  });
});
