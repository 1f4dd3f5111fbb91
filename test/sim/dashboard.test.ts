/**
 * The dashboard simulator against the real dashboard, case by case
 * (shared/reference/laas-dashboard-2x.md): the fixtures are the reference's example JSON, served
 * by the real dashboard's code; every answer below is one the reference states or saw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DashboardSimulator, type JobJson } from '../../sim/dashboard/dashboard-sim';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'dashboard-2x', name), 'utf8'));
const HW = '44a5a128-f30a-412b-a190-ab0c216d69ab';
const NET = '8bbebf6b-cf68-4089-8a18-cd253c812de1';
const VPN = '12174a29-ad34-4cf0-9591-490c0bcb7c65';
const SSH = '155bc5eb-d3a0-49e1-b73d-093cbf2c1ad0';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop\n';
const alice = fixture('user.json') as { id: number; username: string; email: string; first_name: string; last_name: string; company: string };

let dash: DashboardSimulator;
beforeAll(async () => {
  // The reference's booking: sim-01 with two NICs, public VLAN 1010 untagged, owner alice (id 2) with a key.
  dash = await DashboardSimulator.start({ lab: 'sim', taskIds: [HW, NET, VPN, SSH], users: [alice], hosts: { 'sim-01': 'probe.small' } });
  dash.book({ hosts: [{ labid: 'sim-01', image: 'ubuntu-22.04', hostname: 'pod-1', nics: { '52:54:00:00:01:01': [{ vlan_id: 1010, tagged: false }], '52:54:00:00:01:02': [] } }], users: [{ id: 2, key: KEY }] });
});
afterAll(async () => {
  await dash?.stop();
});

interface Answer {
  status: number;
  type: string;
  text: string;
}
async function call(method: string, path: string, options: { token?: string | null; body?: string; contentType?: string } = {}): Promise<Answer> {
  const token = options.token === undefined ? dash.labToken : options.token;
  const headers: Record<string, string> = { ...(token === null ? {} : { 'auth-token': token }), ...(options.contentType ? { 'content-type': options.contentType } : {}) };
  const res = await fetch(`${dash.url}/api/labs/sim/${path}`, { method, headers, ...(options.body !== undefined ? { body: options.body } : {}) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}
const form = (fields: Record<string, string>) => ({ body: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded' });
const post = (task: string, fields: Record<string, string>, job = 1) => call('POST', `jobs/${job}/${task}`, form(fields));
const listing = async (which: string) => JSON.parse((await call('GET', `jobs/${which}`)).text) as JobJson[];

describe('the dashboard simulator, as the real dashboard answers', () => {
  it('§2: 403 with an HTML body for a missing or wrong token and for an unknown lab; 404 for a trailing slash or a dotted lab', async () => {
    for (const token of [null, 'not-the-token']) {
      const a = await call('GET', 'jobs/new', { token });
      expect([a.status, a.type]).toEqual([403, 'text/html; charset=utf-8']);
    }
    const other = await fetch(`${dash.url}/api/labs/other/jobs/new`, { headers: { 'auth-token': dash.labToken } });
    expect(other.status).toBe(403);
    expect((await call('GET', 'jobs/new/')).status).toBe(404);
    expect((await fetch(`${dash.url}/api/labs/s.im/jobs/new`, { headers: { 'auth-token': dash.labToken } })).status).toBe(404);
    expect(dash.labToken).toMatch(/^[A-Za-z0-9]{45}$/);
  });

  it('§5.1: jobs/new serves the reference setup job exactly (string ipmi_create, integer user, every NIC, lab_token "null")', async () => {
    expect(await listing('new')).toEqual(fixture('setup.json'));
    expect(await listing('current')).toEqual([]);
  });

  it('§5.3: GET jobs/<id> lists every task; network and access payloads carry no lab_token; unknown job 500', async () => {
    const whole = JSON.parse((await call('GET', 'jobs/1')).text) as JobJson;
    expect(whole.payload.access![VPN]).toEqual({ access_type: 'vpn', user: 2, revoke: false });
    expect(whole.payload.network![NET]).toEqual({ 'sim-01': { '52:54:00:00:01:01': [{ vlan_id: 1010, tagged: false }], '52:54:00:00:01:02': [] } });
    expect(whole.payload.hardware![HW]).toMatchObject({ lab_token: 'null' });
    expect((await call('GET', 'jobs/999999')).status).toBe(500);
    expect([(await call('POST', 'jobs/1')).text]).toEqual(['null']);
  });

  it('§6: a form post stores any integer, answers the reference shape; JSON bodies change nothing; bad values and unknown tasks 500', async () => {
    const a = await post(NET, { status: '200', message: 'ok' });
    expect(a.status).toBe(200);
    expect(JSON.parse(a.text)).toEqual(fixture('task-post-answer.json'));
    expect((await listing('done')).map((j) => Object.keys(j.payload))).toEqual([['network']]);
    // 150 is stored and the task leaves every listing.
    expect((await post(NET, { status: '150' })).status).toBe(200);
    expect(JSON.parse((await call('POST', `jobs/999/${NET}`, form({ message: 'x' }))).text)).toMatchObject({ meta: { status: 150, message: 'x', job: 'Job object (1)' } });
    expect([...(await listing('new')), ...(await listing('current')), ...(await listing('done'))].some((j) => j.payload.network)).toBe(false);
    const json = await call('POST', `jobs/1/${NET}`, { body: JSON.stringify({ status: 200 }), contentType: 'application/json' });
    expect(json.status).toBe(200);
    expect(dash.postsFor(NET).at(-1)!.status).toBe(150);
    expect((await post(NET, { status: 'abc' })).status).toBe(500);
    expect((await post(NET, { status: String(2 ** 31) })).status).toBe(500);
    expect((await post(NET, { lab_token: 'x'.repeat(51) })).status).toBe(500);
    expect((await post('6a4a5c1e-0000-4000-8000-000000000000', { status: '100' })).status).toBe(500);
    expect((await call('PUT', `jobs/1/${NET}`, form({ status: '0' }))).status).toBe(500);
    expect((await post(NET, { status: '0', message: '' })).status).toBe(200);
  });

  it('§2: a POST to a view that is not CSRF-exempt is refused with 403 before it runs', async () => {
    for (const path of ['jobs/new', 'jobs/current', 'users']) expect((await call('POST', path, form({ status: '1' }))).status).toBe(403);
  });

  it('§10: users answers text/plain JSON; an unknown id 500', async () => {
    const one = await call('GET', 'users/2');
    expect([one.status, one.type, JSON.parse(one.text)]).toEqual([200, 'text/plain', alice]);
    expect(JSON.parse((await call('GET', 'users')).text)).toEqual({ users: [alice] });
    expect((await call('GET', 'users/77')).status).toBe(500);
  });

  it('§9/§5.2: the teardown re-issues hardware (power off, "False"), network (every MAC []), VPN (revoke, lab_token kept), not SSH', async () => {
    for (const t of [HW, NET, VPN, SSH]) await post(t, { status: '200' });
    await post(VPN, { lab_token: 'vpn_gm0042' });
    expect(dash.hostState('sim-01')).toEqual({ booked: true, working: true, type: 'probe.small' });
    dash.endBooking(1);
    expect(await listing('new')).toEqual(fixture('teardown.json'));
    // free_hosts waits for the hardware and network teardown tasks.
    await post(HW, { status: '300' });
    await post(NET, { status: '300' });
    expect(JSON.parse((await call('GET', 'hosts/sim-01')).text)).toMatchObject({ booked: true });
    await post(HW, { status: '200' });
    await post(NET, { status: '200' });
    expect(JSON.parse((await call('GET', 'hosts/sim-01')).text)).toEqual({ booked: false, working: true, type: 'probe.small' });
  });

  it('§10: POST hosts/<labid> working: only the exact string true is working; unknown host 500', async () => {
    expect(JSON.parse((await call('POST', 'hosts/sim-01', form({ working: 'False' }))).text)).toMatchObject({ working: false });
    expect(JSON.parse((await call('POST', 'hosts/sim-01', form({ working: 'true' }))).text)).toMatchObject({ working: true });
    expect((await call('GET', 'hosts/sim-99')).status).toBe(500);
  });

  it('§10: POST image/<id> takes a JSON body whatever the content type, creates then updates (a falsy value is ignored); GET answers the stored fields', async () => {
    const body = { name: 'Rocky 9', architecture: 'x86_64', description: 'r9', public: true, available: true, obsolete: false };
    const created = await call('POST', 'image/rocky-9', { body: JSON.stringify(body), contentType: 'text/plain' });
    expect([created.status, created.text]).toEqual([200, '']);
    // The reference's own example of GET image/<id>.
    const read = await call('GET', 'image/rocky-9');
    expect([read.status, JSON.parse(read.text)]).toEqual([200, { id: 1, from_lab_id: 'sim', architecture: 'x86_64', lab_id: 'rocky-9', name: 'Rocky 9', owner_id: null, public: true, description: 'r9', os_id: null, available: true, obsolete: false }]);
    await call('POST', 'image/rocky-9', { body: JSON.stringify({ name: 'Rocky 9.4', available: false }), contentType: 'application/json' });
    expect(JSON.parse((await call('GET', 'image/rocky-9')).text)).toMatchObject({ id: 1, name: 'Rocky 9.4', available: true });
    // Unknown id: 404 with an empty body; a dotted id does not match the route (404 HTML).
    expect(await call('GET', 'image/nope')).toMatchObject({ status: 404, text: '' });
    const dotted = await call('POST', 'image/ubuntu-22.04', { body: JSON.stringify(body), contentType: 'application/json' });
    expect([dotted.status, dotted.type]).toEqual([404, 'text/html; charset=utf-8']);
    expect((await call('POST', 'image/bad', { body: 'name=x', contentType: 'application/x-www-form-urlencoded' })).status).toBe(500);
    expect((await call('POST', 'image/rocky-9', { token: 'not-the-token', body: '{}', contentType: 'application/json' })).status).toBe(403);
    // The listings hold every lab's images and ask for no token.
    const all = await call('GET', 'image', { token: null });
    expect([all.status, (JSON.parse(all.text) as { lab_id: string }[]).map((i) => i.lab_id)]).toEqual([200, ['rocky-9']]);
    await call('POST', 'opsys/rocky', { body: JSON.stringify({ name: 'Rocky', available: true, obsolete: false }) });
    expect(JSON.parse((await call('GET', 'opsys/rocky')).text)).toEqual({ id: 1, name: 'Rocky', lab_id: 'rocky', obsolete: false, available: true, from_lab_id: 'sim' });
  });

  it('§11: the active users task is listed with payload {}, cannot take a status (500), and the count is a JSON post', async () => {
    const t = dash.jobs.addActiveUsersTask();
    const data = (await listing('new')).find((j) => j.payload['active users task']);
    expect(data!.payload).toEqual({ 'active users task': { [t.id]: {} } });
    expect((await post(t.id, { status: '200' }, data!.id)).status).toBe(500);
    expect((await call('POST', 'jobs/getByType/DATA', { body: JSON.stringify({ active_users: 3 }), contentType: 'application/json' })).status).toBe(200);
    expect((await call('POST', 'jobs/getByType/DATA', { body: JSON.stringify({ active_users: [1] }), contentType: 'application/json' })).status).toBe(500);
    expect(dash.activeUsers).toEqual([3]);
  });
});

describe('a re-image (§12)', () => {
  it('puts that host’s hardware (new image, power on, "True") and network tasks and every SSH task back to 0, VPN untouched', async () => {
    const sim = await DashboardSimulator.start({ lab: 'sim', taskIds: [HW, NET, VPN, SSH], users: [alice] });
    try {
      const job = sim.book({ hosts: [{ labid: 'sim-01', image: 'rocky-9', hostname: 'pod-1', nics: { '52:54:00:00:01:01': [{ vlan_id: 1010, tagged: false }], '52:54:00:00:01:02': [] } }], users: [{ id: 2, key: KEY }] });
      for (const [t, token] of [[HW, 'tok-hardware'], [NET, 'tok-network'], [SSH, 'tok-access'], [VPN, 'null']] as const) {
        const body = new URLSearchParams({ status: '200', lab_token: token }).toString();
        await fetch(`${sim.url}/api/labs/sim/jobs/${job.id}/${t}`, { method: 'POST', headers: { 'auth-token': sim.labToken, 'content-type': 'application/x-www-form-urlencoded' }, body });
      }
      sim.reimage(job.id, 'sim-01', 'ubuntu-22.04');
      const res = await fetch(`${sim.url}/api/labs/sim/jobs/new`, { headers: { 'auth-token': sim.labToken } });
      expect(await res.json()).toEqual([fixture('reimage.json')]);
    } finally {
      await sim.stop();
    }
  });
});
