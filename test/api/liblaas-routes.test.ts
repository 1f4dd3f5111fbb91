/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-assignment -- the tests read the dashboard-shaped JSON loosely, as the dashboard does */
/**
 * Every liblaas route the dashboard calls (reference §2.1-2.20): its success shape, and its error
 * answered the way the dashboard survives it (group J: a body that is not JSON, read as None;
 * group C: a status other than 200; IPMI and addusers: liblaas's `{"message"}`). Plus the access
 * rules: served only when enabled, the client allow-list, the optional X-Auth-Key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../../api/server';
import { listBookingEvents } from '../../db/booking-events';
import { SimDashboard, type DashboardUser } from '../../sim/liblaas-dashboard/dashboard';
import { poll } from '../../sim/liblaas-dashboard/booking-page';
import { startLiblaas, until, type LiblaasEnv } from '../helpers/liblaas';
import { ed25519Blob, keyLine } from '../unit/ssh-keys.fixtures';

let t: LiblaasEnv;
let dash: SimDashboard;
let hook: Server;
const notices: Record<string, unknown>[] = [];
const dave: DashboardUser = { name: 'dave', email: 'dave@example.org', ipa: null };
const NO_SUCH = '00000000-0000-4000-8000-000000000000';
let agg = '';
let instance = '';
let bookingId = 0;

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      notices.push(JSON.parse(body) as Record<string, unknown>);
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  t = await startLiblaas({ notifyUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` });
  dash = new SimDashboard(t.base, 'anuket');
  await dash.createAccount(dave, { givenname: 'Dave', sn: 'Lister', company: 'JMC' });
  await dash.fixPrerequisites(dave, { keys: [keyLine(ed25519Blob(), 'dave')] });
  const single = (await dash.bookPage(dave)).templates.find((x) => x.pod_name === 'sim.small')!;
  bookingId = (await dash.book(dave, { templateId: single.id as string, collaborators: [], purpose: 'Demo', project: 'Anuket', details: 'A booking for the per-route tests of liblaas', length: 1 })).bookingId;
  agg = dash.booking(bookingId).aggregateId;
  await until('ready', async () => (await poll(dash, bookingId)).ready);
  instance = Object.keys((await poll(dash, bookingId)).lights)[0]!;
});
afterAll(async () => {
  await t?.close();
  hook?.close();
});

/** A raw call: status, content type and body text. */
async function raw(method: string, endpoint: string, body?: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(`${t.base}${endpoint}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}
const notJson = (text: string) => expect(() => JSON.parse(text) as unknown).toThrow();

describe('booking routes', () => {
  it('2.1 booking/create: a JSON string (flow test); malformed JSON 400 and a wrong shape 422, neither JSON', async () => {
    const bad = await raw('POST', 'booking/create', '{"origin": ');
    expect(bad.status).toBe(400);
    notJson(bad.text);
    const shape = await raw('POST', 'booking/create', JSON.stringify({ origin: 'anuket' }));
    expect(shape.status).toBe(422);
    notJson(shape.text);
    expect(await dash.api.bookingCreate({ origin: 'anuket', template_id: NO_SUCH, allowed_users: ['dave'], global_cifile: '', metadata: {} })).toBeNull();
  });

  it('2.2 booking/{agg}/status: instances keyed by id, non-empty logs, the template record; unknown or malformed ids are not JSON', async () => {
    const s = (await dash.api.bookingStatus(agg)) as Record<string, any>;
    const inst = s.instances[instance];
    expect(inst.instance).toBe(instance);
    expect(inst.host_alias).toBe('node-1');
    expect(inst.assigned_host_info.hostname).toMatch(/^sim-0\d$/);
    expect(inst.image_list.map((i: { name: string }) => i.name)).toEqual(['ubuntu-22.04', 'rocky-9']);
    expect(inst.logs[0].status).toBe('Pre-Provision -- Configuration has been created, host not yet selected');
    expect(inst.logs.at(-1)).toMatchObject({ sentiment: 'Succeeded', status_info: { headline: 'Successfully Provisioned' } });
    expect(inst.logs.at(-1).time).toMatch(/^\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000$/);
    expect(s.config).toEqual({ ipmi_username: '', ipmi_password: '' });
    expect(s.template.hosts).toHaveLength(1);
    expect(s.template.hosts[0].connections[0].member_interfaces).toEqual(['eno1']);
    expect(await dash.api.bookingStatus(NO_SUCH)).toBeNull();
    expect(await dash.api.bookingStatus('not-a-uuid')).toBeNull();
  });

  it('2.4-2.6 ipmi: setpower and powerstatus objects, getfqdn the BMC; unknown instances {"message"} 400', async () => {
    expect(await dash.api.setPower(instance, 'Restart')).toEqual({ power_state: 'On' });
    expect(await dash.api.powerStatus(instance)).toEqual({ power_state: 'On' });
    expect(await dash.api.getFqdn(instance)).toEqual({ ipmi_fqdn: expect.stringMatching(/^sim:\/\/bmc\/sim-0\d$/) });
    for (const r of [await raw('GET', `booking/ipmi/${NO_SUCH}/powerstatus`), await raw('GET', `booking/ipmi/${NO_SUCH}/getfqdn`), await raw('POST', `booking/ipmi/${NO_SUCH}/setpower`, '{"command":"PowerOn"}')]) {
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text)).toEqual({ message: 'Invalid instance ID' });
    }
    expect((await raw('POST', `booking/ipmi/${instance}/setpower`, '{"command":"Reboot"}')).status).toBe(422);
  });

  it('2.7 reimage: 200 in the flow test; an unknown instance or an image not offered is not 200', async () => {
    expect(await dash.api.reimage(NO_SUCH, NO_SUCH)).toBe(false);
    expect(await dash.api.reimage(instance, NO_SUCH)).toBe(false);
    expect((await raw('POST', `booking/${instance}/reimage`, '{}')).status).toBe(422);
  });

  it('2.8-2.9 notify/expiring and request-extension: 200, a booking event, the webhook; unknown bookings 500', async () => {
    expect(await dash.api.notifyExpiring(agg, 'Tue, 15 Jul 2031 16:37:07 +0000')).toBe(true);
    expect(await dash.api.notifyExpiring(agg, 'Tue, 15 Jul 2031 16:37:07 +0000')).toBe(true);
    expect(await dash.api.requestExtension(agg, 'the tests need another week', '2031-07-22')).toBe(true);
    const kinds = (await listBookingEvents(t.env.database.db, agg)).map((e) => e.kind).filter((k) => k.startsWith('liblaas:'));
    expect(kinds).toEqual(['liblaas:expiring', 'liblaas:extension-requested']);
    expect(notices.map((n) => [n.kind, n.bookingId])).toEqual([
      ['liblaas:expiring', agg],
      ['liblaas:expiring', agg],
      ['liblaas:extension-requested', agg],
    ]);
    expect(notices[0]).toMatchObject({ end: '2031-07-15T16:37:07.000Z', users: ['dave'] });
    expect(await dash.api.notifyExpiring(NO_SUCH, 'Tue, 15 Jul 2031 16:37:07 +0000')).toBe(false);
    expect(await dash.api.requestExtension(NO_SUCH, 'x', '2031-07-22')).toBe(false);
  });

  it('2.3 booking/{agg}/end: success true (again true); unknown ids success false', async () => {
    expect(await dash.api.bookingEnd(NO_SUCH)).toEqual({ success: false, details: expect.any(String) });
    expect(await dash.api.bookingEnd(agg)).toEqual({ success: true, details: expect.stringContaining(agg) });
    expect(await dash.api.bookingEnd(agg)).toMatchObject({ success: true });
    expect((await raw('DELETE', 'booking/nope/end')).status).toBe(400);
  });
});

describe('flavor and template routes', () => {
  it('2.10-2.11 flavor/{p} and flavor/{p}/hosts; an unknown project is 404 text', async () => {
    const [f] = (await dash.api.flavors('anuket')) as Record<string, any>[];
    expect(f).toMatchObject({ name: 'sim.small', interfaces: [{ name: 'eno1' }, { name: 'eno2' }], ram: { value: 0, unit: 'Unknown' } });
    expect(f!.images.map((i: { name: string }) => i.name)).toEqual(['ubuntu-22.04', 'rocky-9']);
    const hosts = (await dash.api.hosts('anuket')) as Record<string, any>[];
    expect(hosts.map((h) => h.name)).toEqual(['sim-01', 'sim-02', 'sim-03', 'sim-04']);
    expect(hosts.every((h) => h.flavor === f!.flavor_id && h.arch === 'x86_64')).toBe(true);
    expect(await dash.api.flavors('nowhere')).toBeNull();
    expect(await dash.api.hosts('nowhere')).toBeNull();
  });

  it('2.12-2.14 template list, create (a JSON string id), delete; bad designs and unknown ids refused without JSON', async () => {
    const [pub] = ((await dash.api.templates('anuket', 'dave')) as Record<string, any>[]).filter((x) => x.pod_name === 'sim.small');
    const blob = { ...pub!, lab_name: 'anuket', id: undefined, owner: 'dave', public: false, pod_name: 'mine', pod_desc: 'my pod', host_list: pub!.host_list.map((h: object) => ({ ...h, cifile: ['#cloud-config'] })) };
    const id = await dash.api.templateCreate(blob);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const mine = ((await dash.api.templates('anuket', 'dave')) as Record<string, any>[]).find((x) => x.id === id)!;
    expect(mine).toMatchObject({ owner: 'dave', public: false, lab_name: 'anuket', networks: [{ name: 'public', public: true }] });
    expect(mine.host_list[0].cifile).toEqual(['#cloud-config']);
    expect(((await dash.api.templates('anuket', 'erin')) as { id: string }[]).some((x) => x.id === id)).toBe(false);
    // The newer servers' cifile shape (a string) is taken too (§0.1).
    expect(await dash.api.templateCreate({ ...blob, host_list: pub!.host_list.map((h: object) => ({ ...h, cifile: '' })) })).toMatch(/^[0-9a-f-]{36}$/);
    expect(await dash.api.templateCreate({ ...blob, networks: [] })).toBeNull();
    expect(await dash.api.templateCreate({ ...blob, host_list: pub!.host_list.map((h: object) => ({ ...h, hostname: '9bad_' })) })).toBeNull();
    expect(await dash.api.templateCreate({ ...blob, lab_name: 'nowhere' })).toBeNull();
    expect(await dash.api.templateDelete(id as string)).toBe(true);
    expect(((await dash.api.templates('anuket', 'dave')) as { id: string }[]).some((x) => x.id === id)).toBe(false);
    expect(await dash.api.templateDelete(NO_SUCH)).toBe(false);
    expect(await dash.api.templates('nowhere', 'dave')).toBeNull();
  });
});

describe('user routes', () => {
  it('2.16-2.20 user get/many/create/ssh/company: the exact User shape; unknown users are not JSON', async () => {
    expect(await dash.api.userCreate({ uid: 'erin', givenname: 'Erin', sn: 'Brockovich', ou: '', mail: 'erin@example.org', random: true })).toBe(true);
    expect(await dash.api.user('erin')).toEqual({ uid: 'erin', givenname: 'Erin', sn: 'Brockovich', mail: 'erin@example.org', ou: '', cn: 'Erin Brockovich' });
    expect(await dash.api.setCompany('erin', 'PG&E')).toBe(true);
    const key = keyLine(ed25519Blob(), 'erin');
    expect(await dash.api.setSsh('erin', [key])).toBe(true);
    expect(await dash.api.user('erin')).toMatchObject({ ou: 'PG&E', ipasshpubkey: [key] });
    expect(await dash.api.users(['erin', 'dave'])).toMatchObject([{ uid: 'erin' }, { uid: 'dave' }]);
    expect(await dash.api.users([])).toEqual([]);
    expect(await dash.api.users(['erin', 'nobody'])).toBeNull();
    expect(await dash.api.user('nobody')).toBeNull();
    expect(await dash.api.userCreate({ uid: 'erin', givenname: 'E', sn: 'B', ou: '', mail: 'e@x.org' })).toBe(false);
    expect(await dash.api.userCreate({ uid: 'Bad Name', givenname: 'E', sn: 'B', ou: '', mail: 'e@x.org' })).toBe(false);
    expect(await dash.api.setSsh('erin', ['not a key'])).toBe(false);
    expect(await dash.api.setSsh('nobody', [])).toBe(false);
    expect(await dash.api.setCompany('nobody', 'x')).toBe(false);
  });

  it('2.15 addusers: {"users"} on an active booking; liblaas\'s {"message"} 400 otherwise', async () => {
    const ended = await raw('POST', `user/${agg}/addusers`, JSON.stringify({ users: ['erin'] }));
    expect(ended.status).toBe(400);
    expect(JSON.parse(ended.text)).toEqual({ message: 'Aggregate has not finished provisioning.' });
    expect(JSON.parse((await raw('POST', `user/${NO_SUCH}/addusers`, '{"users":["erin"]}')).text)).toEqual({ message: 'Aggregate does not exist.' });
    expect(JSON.parse((await raw('POST', `user/${agg}/addusers`, '{"users":[""]}')).text)).toEqual({ message: 'Empty or malformed user in users field.' });
  });
});

describe('access', () => {
  it('is not served unless enabled; refuses clients off the allow-list and a missing or wrong X-Auth-Key', async () => {
    const off = await buildServer({ temporal: t.env.client, db: t.env.database.db, lab: t.env.lab, taskQueue: t.env.taskQueue, apiToken: t.adminToken });
    expect((await off.inject({ method: 'GET', url: '/liblaas/flavor/anuket' })).statusCode).toBe(404);
    await off.close();
    const guarded = await buildServer({
      temporal: t.env.client,
      db: t.env.database.db,
      lab: t.env.lab,
      taskQueue: t.env.taskQueue,
      apiToken: t.adminToken,
      liblaas: { prefix: '/lab-api/', projects: ['anuket'], allow: ['10.0.0.0/8'], token: 'a-shared-secret-of-the-lab' },
    });
    const get = (remoteAddress: string, headers: Record<string, string> = {}) => guarded.inject({ method: 'GET', url: '/lab-api/flavor/anuket', remoteAddress, headers });
    expect((await get('192.168.1.5', { 'x-auth-key': 'a-shared-secret-of-the-lab' })).statusCode).toBe(403);
    expect((await get('10.1.2.3')).statusCode).toBe(403);
    expect((await get('10.1.2.3', { 'x-auth-key': 'wrong-secret-of-the-lab-xx' })).statusCode).toBe(403);
    const ok = await get('10.1.2.3', { 'x-auth-key': 'a-shared-secret-of-the-lab' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json<unknown[]>()).toHaveLength(1);
    await guarded.close();
  });
});
