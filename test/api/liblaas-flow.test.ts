/**
 * The LaaS 3.0 dashboard (simulated: sim/liblaas-dashboard, its calls and parsing as the reference
 * describes them) books on laas through liblaas, against a real worker on the simulated lab,
 * Temporal's dev server and PostgreSQL: account link, book page, a 2-host booking from a public
 * template until ready, power off/on, re-image of one host, a collaborator added, end (twice).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { run } from '../../cli/main';
import { SimDashboard, type DashboardUser } from '../../sim/liblaas-dashboard/dashboard';
import { addCollaborators, detailPage, endBooking, poll, redeploy, setPower } from '../../sim/liblaas-dashboard/booking-page';
import { startLiblaas, until, type LiblaasEnv } from '../helpers/liblaas';
import { ed25519Blob, keyLine } from '../unit/ssh-keys.fixtures';

let t: LiblaasEnv;
let dash: SimDashboard;
const alice: DashboardUser = { name: 'alice', email: 'alice@example.org', ipa: null };
const bob: DashboardUser = { name: 'bob', email: 'bob@example.org', ipa: null };
const aliceKey = keyLine(ed25519Blob(), 'alice@laptop');
const bobKey = keyLine(ed25519Blob(), 'bob@laptop');

beforeAll(async () => {
  t = await startLiblaas();
  dash = new SimDashboard(t.base, 'anuket');
});
afterAll(async () => {
  await t?.close();
});

async function v1(path: string) {
  const res = await t.api.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${t.adminToken}` } });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}

const pick = (b: Record<string, unknown>) => ({ id: b.id, project: b.project, owner: b.owner, state: b.state, start: b.start, end: b.end, networks: b.networks });

/** `laas` (cli/main.ts, as bin/laas.js runs it) against this test's API, with the admin token. */
async function laas(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { url: process.env.LAAS_API_URL, token: process.env.LAAS_API_TOKEN };
  process.env.LAAS_API_URL = new URL(t.base).origin;
  process.env.LAAS_API_TOKEN = t.adminToken;
  try {
    const ctx = { json: (c: Command) => Boolean(c.optsWithGlobals<{ json?: boolean }>().json), out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    return { code: await run(argv, ctx), out: out.join('\n'), err: err.join('\n') };
  } finally {
    for (const [key, value] of [['LAAS_API_URL', saved.url], ['LAAS_API_TOKEN', saved.token]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe('the dashboard books on laas through liblaas', () => {
  let bookingId = 0;
  let instances: string[] = [];

  it('links accounts: an unknown user is "new" (not JSON), creation links it, the same mail links, another is a conflict', async () => {
    expect(await dash.landing(alice)).toBe('new');
    expect(await dash.createAccount(alice, { givenname: 'Alice', sn: 'Liddell', company: '' })).toBe(true);
    expect(alice.ipa).toBe('alice');
    expect(await dash.landing(bob)).toBe('new');
    await dash.createAccount(bob, { givenname: 'Bob', sn: 'Builder', company: 'ACME' });
    await dash.fixPrerequisites(bob, { keys: [bobKey] });
    const impostor: DashboardUser = { name: 'alice', email: 'someone@else.org', ipa: null };
    expect(await dash.landing(impostor)).toBe('conflict');
  });

  it('loads the book page: prerequisites missing, then fixed; the public templates with their availability', async () => {
    const first = await dash.bookPage(alice);
    expect(first.missing).toEqual(['company', 'ssh']);
    expect(await dash.fixPrerequisites(alice, { company: 'Wonderland Inc', keys: [` ${aliceKey} `] })).toBe(true);
    const page = await dash.bookPage(alice);
    expect(page.missing).toEqual([]);
    expect(page.templates.map((x) => x.pod_name).sort()).toEqual(['sim.small', 'sim.small pair']);
    expect([...page.availability.values()].sort()).toEqual([2, 4]);
    expect(dash.api.calls.slice(-4).map((c) => `${c.method} ${c.endpoint}`)).toEqual([
      'GET user/alice',
      'GET template/list/anuket/alice',
      'GET template/list/anuket/alice',
      'GET flavor/anuket',
    ]);
  });

  it('books the 2-host template: the aggregate id at once, the hosts go green, the VLANs show, the same booking under /v1 and in the CLI', async () => {
    const page = await dash.bookPage(alice);
    const pair = page.templates.find((x) => x.pod_name === 'sim.small pair')!;
    const started = Date.now();
    const made = await dash.book(alice, { templateId: pair.id as string, collaborators: [], purpose: 'Testing', project: 'ONAP', details: 'Integration testing of the new CNF onboarding flow', length: 7 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(made.warnings).toEqual([]);
    bookingId = made.bookingId;
    const agg = dash.booking(bookingId).aggregateId;
    expect(agg).toMatch(/^[0-9a-f-]{36}$/);
    const ready = await until('the booking ready', async () => ((await poll(dash, bookingId)).ready ? poll(dash, bookingId) : null));
    instances = Object.keys(ready.lights);
    expect(Object.values(ready.lights)).toEqual(['success', 'success']);
    expect(Object.values(ready.power)).toEqual(['On', 'On']);
    const detail = await detailPage(dash, bookingId);
    expect(detail.hosts.map((h) => h.hostname)).toEqual(['node-1', 'node-2']);
    expect(detail.hosts.every((h) => h.flavor === 'sim.small' && h.image === 'ubuntu-22.04')).toBe(true);
    expect(Object.keys(detail.fqdns).sort()).toEqual(['node-1', 'node-2']);
    const networks = detail.status.networks as { name: string; public: boolean; vlan: number }[];
    expect(networks.map((n) => [n.name, n.public])).toEqual([['public', true], ['private', false]]);
    for (const n of networks) expect(n.vlan).toBeGreaterThanOrEqual(1000);
    const view = await v1(`/v1/bookings/${agg}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ id: agg, project: 'anuket', owner: 'alice', state: 'active' });
    expect((view.body.networks as { vlan: number }[]).map((n) => n.vlan)).toEqual(networks.map((n) => n.vlan));
    // The operators' CLI, against the same API, shows the same booking in the same state.
    const same = (b: Record<string, unknown>) => ({ ...pick(b), hosts: (b.hosts as { name: string }[]).map((h) => h.name) });
    const shown = await laas('--json', 'bookings', 'show', agg);
    expect(shown.code, shown.err).toBe(0);
    expect(same(JSON.parse(shown.out) as Record<string, unknown>)).toEqual(same(view.body));
    const listed = await until('listed by the CLI', async () => {
      const r = await laas('--json', 'bookings', 'list', '--project', 'anuket');
      const found = (JSON.parse(r.out) as { bookings: Record<string, unknown>[] }).bookings.find((b) => b.id === agg);
      return found?.state === 'active' ? found : null;
    });
    expect({ owner: listed.owner, hosts: [...(listed.hosts as string[])].sort() }).toEqual({ owner: 'alice', hosts: (view.body.hosts as { name: string }[]).map((h) => h.name).sort() });
    // The owner's key is on both hosts.
    const hosts = (view.body.hosts as { name: string }[]).map((h) => h.name);
    for (const h of hosts) expect([...t.env.simLab.host(h).files.values()].some((f) => f.content.includes(aliceKey))).toBe(true);
  });

  it('powers a host off and on again; powerstatus follows the BMC', async () => {
    const [first] = instances;
    expect(await setPower(dash, first!, 'PowerOff')).toEqual({ power_state: 'Off' });
    expect((await poll(dash, bookingId)).power[first!]).toBe('Off');
    expect(await setPower(dash, first!, 'PowerOn')).toEqual({ power_state: 'On' });
    expect((await poll(dash, bookingId)).power[first!]).toBe('On');
  });

  it('re-images one host with another image: its status runs again to green, the other host and the switch stay untouched', async () => {
    const agg = dash.booking(bookingId).aggregateId;
    const view = await v1(`/v1/bookings/${agg}`);
    const [h1, h2] = (view.body.hosts as { name: string }[]).map((h) => h.name);
    const ports = JSON.stringify([...t.env.simLab.ports.entries()].map(([s, p]) => [s, [...p.entries()]]));
    const journalAt = t.env.simLab.journal.length;
    expect(await redeploy(dash, bookingId, instances[0]!, 'rocky-9')).toBe(true);
    await until('host 1 re-imaged', async () => t.env.simLab.host(h1!).image === '2' && (await poll(dash, bookingId)).ready);
    const after = await poll(dash, bookingId);
    expect(Object.values(after.lights)).toEqual(['success', 'success']);
    expect(t.env.simLab.host(h2!).image).toBe('1');
    expect(t.env.simLab.journal.slice(journalAt).filter((j) => j.target === h2 || j.at.startsWith('switch'))).toEqual([]);
    expect(JSON.stringify([...t.env.simLab.ports.entries()].map(([s, p]) => [s, [...p.entries()]]))).toBe(ports);
  });

  it('adds a collaborator to the running booking: keys on every host and a VPN account', async () => {
    expect(await addCollaborators(dash, bookingId, ['bob'])).toBe(true);
    const agg = dash.booking(bookingId).aggregateId;
    const hosts = ((await v1(`/v1/bookings/${agg}`)).body.hosts as { name: string }[]).map((h) => h.name);
    for (const h of hosts) expect([...t.env.simLab.host(h).files.values()].some((f) => f.content.includes(bobKey))).toBe(true);
    // Their own directory accounts joined the VPN for this booking (no account of the booking's own).
    const inVpn = [...t.env.simLab.users.values()].filter((u) => u.bookings.has(agg)).map((u) => u.uid);
    expect(inVpn.sort()).toEqual(['alice', 'bob']);
    expect(t.env.simLab.accounts.size).toBe(0);
  });

  it('ends the booking: success, again success, the hosts go back to the pool and nothing is left on the lab', async () => {
    const b = dash.booking(bookingId);
    expect(await endBooking(dash, b)).toBe(true);
    b.complete = false;
    expect(await endBooking(dash, b)).toBe(true);
    await until('released', async () => (await v1(`/v1/bookings/${b.aggregateId}`)).body.state === 'released');
    const flavors = (await dash.api.flavors('anuket')) as { available_count: number }[];
    expect(flavors[0]!.available_count).toBe(4);
    expect(t.env.simLab.residue()).toEqual([]);
    const status = (await dash.api.bookingStatus(b.aggregateId)) as { instances: Record<string, { logs: { status: string }[] }> };
    for (const i of Object.values(status.instances)) expect(i.logs.at(-1)!.status).toMatch(/^Cleanup Finished -- /);
  });
});
