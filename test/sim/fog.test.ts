/**
 * The FOG simulator, row by row against fog-api.md: authentication, routes,
 * task creation and cancel answers, task types and states, objects with
 * string-typed numbers, and the fault modes the driver tests rely on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FogSimulator } from '../../sim/fog/fog-sim';
import { fogRequest } from './fog-request';

let sim: FogSimulator;
let image: { id: number };

const DEPLOY = { taskTypeID: 1, taskName: 'deploy', shutdown: false, debug: false, wol: true, deploySnapins: false };
const b64 = (s: string): string => Buffer.from(s).toString('base64');
let hostSeq = 0;

/** A fresh host with the image set, so tests do not share tasks. */
function newHost(prefix = 'node'): { id: number; name: string } {
  return sim.addHost(`${prefix}${String(++hostSeq).padStart(2, '0')}`, { macs: ['52:54:00:aa:00:01'], imageId: image.id });
}

async function deploy(hostId: number): Promise<number> {
  const created = await fogRequest(sim, 'POST', `/fog/host/${hostId}/task`, { body: DEPLOY });
  expect(created.status).toBe(200);
  const current = await fogRequest(sim, 'GET', '/fog/task/current', { body: { hostID: hostId } });
  const tasks = (current.json as { tasks: Array<{ id: string }> }).tasks;
  return Number(tasks[0]?.id);
}

async function taskById(id: number): Promise<Record<string, unknown>> {
  return (await fogRequest(sim, 'GET', `/fog/task/${id}`)).json as Record<string, unknown>;
}

async function until(check: () => Promise<boolean>, withinMs = 3000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  sim = await FogSimulator.start({ apiToken: 'api-secret-1', userToken: 'user-secret-1', user: { name: 'laas', password: 'pw-1' } });
  sim.setTiming({ queuedMs: 30, checkInMs: 30, imagingMs: 150 });
  image = sim.addImage('ubuntu-22.04');
});

afterAll(async () => {
  await sim?.stop();
});

afterEach(() => {
  sim.clearFaults();
  sim.setAutoCheckIn(true);
});

describe('authentication', () => {
  it('takes both tokens base64-encoded, as the web UI shows them', async () => {
    expect(sim.credentials.apiToken).toBe(b64('api-secret-1'));
    expect((await fogRequest(sim, 'GET', '/fog/host')).status).toBe(200);
    // The raw token is not what the server compares with after decoding.
    expect((await fogRequest(sim, 'GET', '/fog/host', { auth: { apiToken: 'api-secret-1', userToken: b64('user-secret-1') } })).status).toBe(403);
  });

  it('a bad API token is 403, a bad user token 401', async () => {
    expect((await fogRequest(sim, 'GET', '/fog/host', { auth: { apiToken: b64('nope'), userToken: sim.credentials.userToken } })).status).toBe(403);
    expect((await fogRequest(sim, 'GET', '/fog/host', { auth: 'none' })).status).toBe(403);
    expect((await fogRequest(sim, 'GET', '/fog/host', { auth: { apiToken: sim.credentials.apiToken, userToken: b64('nope') } })).status).toBe(401);
  });

  it('accepts HTTP Basic credentials of a user instead of the user token; bad ones are 401', async () => {
    const apiToken = sim.credentials.apiToken;
    expect((await fogRequest(sim, 'GET', '/fog/host', { auth: { apiToken, basic: ['laas', 'pw-1'] } })).status).toBe(200);
    expect((await fogRequest(sim, 'GET', '/fog/host', { auth: { apiToken, basic: ['laas', 'wrong'] } })).status).toBe(401);
  });

  it('a user without API access is refused its token (401)', async () => {
    sim.setFaults({ userApiAccess: false });
    expect((await fogRequest(sim, 'GET', '/fog/host')).status).toBe(401);
  });

  it('with the API disabled every request is redirected (302) to the management page', async () => {
    sim.setFaults({ apiEnabled: false });
    const answer = await fogRequest(sim, 'GET', '/fog/host');
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toMatch(/\/fog\/management\/index\.php$/);
  });

  it('an unknown route is 501', async () => {
    expect((await fogRequest(sim, 'GET', '/fog/nosuchclass')).status).toBe(501);
    expect((await fogRequest(sim, 'PATCH', '/fog/host/1')).status).toBe(501);
    expect((await fogRequest(sim, 'GET', '/fog/host/1/frobnicate')).status).toBe(501);
  });

  it('answers every response as application/json', async () => {
    const answers = [
      await fogRequest(sim, 'GET', '/fog/system/status'),
      await fogRequest(sim, 'GET', '/fog/host'),
      await fogRequest(sim, 'GET', '/fog/host', { auth: 'none' }),
      await fogRequest(sim, 'GET', '/fog/nosuchclass'),
      await fogRequest(sim, 'GET', '/fog/host/99999'),
    ];
    for (const a of answers) expect(a.headers['content-type']).toBe('application/json');
  });
});

describe('routes', () => {
  it('GET and HEAD /fog/system/status answer "success\\n"', async () => {
    const get = await fogRequest(sim, 'GET', '/fog/system/status');
    expect([get.status, get.text]).toEqual([200, 'success\n']);
    const head = await fogRequest(sim, 'HEAD', '/fog/system/status');
    expect([head.status, head.text]).toEqual([200, '']);
  });

  it('lists a class as {count, <class>s} under /, /list and /all; a JSON body filters by exact value', async () => {
    const a = newHost('list');
    newHost('list');
    for (const path of ['/fog/host', '/fog/host/list', '/fog/host/all']) {
      const all = (await fogRequest(sim, 'GET', path)).json as { count: number; hosts: unknown[] };
      expect(all.count).toBe(all.hosts.length);
      expect(all.count).toBeGreaterThanOrEqual(2);
    }
    const one = (await fogRequest(sim, 'GET', '/fog/host', { body: { name: a.name } })).json as { count: number; hosts: Array<{ name: string }> };
    expect(one.count).toBe(1);
    expect(one.hosts[0]?.name).toBe(a.name);
  });

  it('searches fuzzily under /search/{term}', async () => {
    const h = newHost('fuzzy');
    const found = (await fogRequest(sim, 'GET', '/fog/host/search/FUZZ')).json as { count: number; hosts: Array<{ name: string }> };
    expect(found.hosts.map((x) => x.name)).toContain(h.name);
  });

  it('GET /fog/{class}/{id} gives one object with string-typed numbers, 404 if none', async () => {
    const h = newHost();
    const got = await fogRequest(sim, 'GET', `/fog/host/${h.id}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ id: String(h.id), name: h.name, imageID: String(image.id), primac: '52:54:00:aa:00:01', imagename: 'ubuntu-22.04' });
    expect((await fogRequest(sim, 'GET', '/fog/host/99999')).status).toBe(404);
  });

  it('PUT /fog/host/{id}/edit (or /update) sets fields and returns the object', async () => {
    const h = newHost();
    const other = sim.addImage(`img-${h.name}`);
    const edited = await fogRequest(sim, 'PUT', `/fog/host/${h.id}/edit`, { body: { imageID: other.id } });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ id: String(h.id), imageID: String(other.id) });
    const updated = await fogRequest(sim, 'PUT', `/fog/host/${h.id}/update`, { body: { imageID: image.id } });
    expect(updated.json).toMatchObject({ imageID: String(image.id) });
    expect((await fogRequest(sim, 'PUT', '/fog/host/99999/edit', { body: { imageID: 1 } })).status).toBe(404);
  });

  it('POST /fog/{class}/create (or /new) creates; a duplicate name is 500 "Already created"', async () => {
    const created = await fogRequest(sim, 'POST', '/fog/host/create', { body: { name: 'made01', macs: ['52:54:00:bb:00:01'] } });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ name: 'made01', primac: '52:54:00:bb:00:01' });
    expect((await fogRequest(sim, 'POST', '/fog/image/new', { body: { name: 'made-image' } })).status).toBe(200);
    const dup = await fogRequest(sim, 'POST', '/fog/host/create', { body: { name: 'made01' } });
    expect([dup.status, dup.json]).toEqual([500, { error: 'Already created' }]);
  });

  it('DELETE /fog/{class}/{id}/delete removes', async () => {
    const h = newHost('gone');
    expect((await fogRequest(sim, 'DELETE', `/fog/host/${h.id}/delete`)).status).toBe(200);
    expect((await fogRequest(sim, 'GET', `/fog/host/${h.id}`)).status).toBe(404);
  });

  it('lists the task types and states of the documentation', async () => {
    const types = (await fogRequest(sim, 'GET', '/fog/tasktype')).json as { tasktypes: Array<{ id: string; name: string }> };
    expect(types.tasktypes.find((t) => t.id === '1')?.name).toBe('Deploy');
    expect(types.tasktypes.find((t) => t.id === '17')?.name).toBe('Deploy-No Snapins');
    const states = (await fogRequest(sim, 'GET', '/fog/taskstate')).json as { taskstates: Array<{ id: string; name: string }> };
    expect(states.taskstates.map((s) => `${s.id} ${s.name}`)).toEqual(['1 Queued', '2 Checked In', '3 In-Progress', '4 Complete', '5 Cancelled']);
  });
});

describe('tasks', () => {
  it('creating a deploy task answers 200 with a null body; the task is found in task/current by hostID and typeID', async () => {
    const h = newHost();
    const created = await fogRequest(sim, 'POST', `/fog/host/${h.id}/task`, { body: DEPLOY });
    expect([created.status, created.text]).toEqual([200, 'null']);
    const current = (await fogRequest(sim, 'GET', '/fog/task/active', { body: { hostID: h.id } })).json as { count: number; tasks: Array<Record<string, unknown>> };
    expect(current.count).toBe(1);
    expect(current.tasks[0]).toMatchObject({ hostID: String(h.id), typeID: '1', imageID: String(image.id), stateID: '1' });
  });

  it('refuses an unknown task type (501), a second active task and an invalid image (500)', async () => {
    const h = newHost();
    const badType = await fogRequest(sim, 'POST', `/fog/host/${h.id}/task`, { body: { ...DEPLOY, taskTypeID: 9 } });
    expect([badType.status, badType.json]).toEqual([501, { error: 'Invalid tasking type passed' }]);
    await deploy(h.id);
    const again = await fogRequest(sim, 'POST', `/fog/host/${h.id}/task`, { body: DEPLOY });
    expect([again.status, again.json]).toEqual([500, { error: 'Host is already a member of an active task' }]);
    const noImage = sim.addHost(`noimage${++hostSeq}`);
    const invalid = await fogRequest(sim, 'POST', `/fog/host/${noImage.id}/task`, { body: DEPLOY });
    expect([invalid.status, invalid.json]).toEqual([500, { error: 'Image is not valid' }]);
    sim.setFaults({ createTaskError: 'Failed to create task' });
    const failing = await fogRequest(sim, 'POST', `/fog/host/${newHost().id}/task`, { body: DEPLOY });
    expect([failing.status, failing.json]).toEqual([500, { error: 'Failed to create task' }]);
  });

  it('moves Queued → Checked In → In-Progress (pct rising) → Complete, then leaves task/current', async () => {
    const h = newHost();
    const id = await deploy(h.id);
    const seen: string[] = [];
    await until(async () => {
      const t = await taskById(id);
      const step = `${String(t.stateID)}${t.stateID === '3' ? `:${String(t.pct)}` : ''}`;
      if (seen.at(-1) !== step) seen.push(step);
      return t.stateID === '4';
    });
    const states = seen.map((s) => s.split(':')[0]);
    expect([...new Set(states)]).toEqual(['1', '2', '3', '4']);
    const pcts = seen.filter((s) => s.startsWith('3:')).map((s) => Number(s.split(':')[1]));
    expect(pcts).toEqual([...pcts].sort((x, y) => x - y));
    expect(await taskById(id)).toMatchObject({ stateID: '4', pct: '100', state: { name: 'Complete' } });
    const current = (await fogRequest(sim, 'GET', '/fog/task/current', { body: { hostID: h.id } })).json as { count: number };
    expect(current.count).toBe(0);
    expect(sim.host(h.name)?.deployed).not.toBe('0000-00-00 00:00:00');
  });

  it('without automatic check-in a task stays Queued until the host PXE-boots', async () => {
    sim.setAutoCheckIn(false);
    const h = newHost();
    const id = await deploy(h.id);
    await new Promise((r) => setTimeout(r, 100));
    expect((await taskById(id)).stateID).toBe('1');
    sim.bootHost(h.name);
    await until(async () => (await taskById(id)).stateID === '4');
  });

  it('cancel: an active task goes to Cancelled (5); nothing active or a finished task is 409', async () => {
    const h = newHost();
    const id = await deploy(h.id);
    expect((await fogRequest(sim, 'DELETE', `/fog/task/${id}/cancel`)).status).toBe(200);
    expect(await taskById(id)).toMatchObject({ stateID: '5' });
    const noTask = await fogRequest(sim, 'DELETE', `/fog/host/${h.id}/cancel`);
    expect([noTask.status, noTask.json]).toEqual([409, { msg: 'Host has no active task to cancel' }]);
    const done = newHost();
    const doneId = await deploy(done.id);
    await until(async () => (await taskById(doneId)).stateID === '4');
    const finished = await fogRequest(sim, 'DELETE', `/fog/task/${doneId}/cancel`);
    expect([finished.status, finished.json]).toEqual([409, { msg: 'Task is not active and cannot be cancelled: Complete' }]);
  });

  it('cancel of a host cancels its active task; older releases answered 200 when there was none', async () => {
    const h = newHost();
    const id = await deploy(h.id);
    expect((await fogRequest(sim, 'DELETE', `/fog/host/${h.id}/cancel`)).status).toBe(200);
    expect((await taskById(id)).stateID).toBe('5');
    sim.setFaults({ legacyCancel: true });
    expect((await fogRequest(sim, 'DELETE', `/fog/host/${h.id}/cancel`)).status).toBe(200);
  });
});

describe('task times and the task list', () => {
  it('GET /fog/task lists finished tasks too, filtered by a JSON body, with createdTime as "Y-m-d H:i:s"', async () => {
    const host = newHost('list');
    const first = await deploy(host.id);
    await fogRequest(sim, 'DELETE', `/fog/task/${first}/cancel`);
    const second = await deploy(host.id);
    const listed = await fogRequest(sim, 'GET', '/fog/task', { body: { hostID: host.id, typeID: 1, imageID: image.id } });
    const tasks = (listed.json as { tasks: Array<Record<string, unknown>> }).tasks;
    expect(tasks.map((t) => [t.id, t.stateID])).toEqual([
      [String(first), '5'],
      [String(second), '1'],
    ]);
    expect(tasks[0]?.createdTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('writes times in its configured zone without naming it, as FOG_TZINFO does', async () => {
    const kolkata = await FogSimulator.start({ timeZone: 'Asia/Kolkata' });
    try {
      const img = kolkata.addImage('ubuntu-22.04');
      const host = kolkata.addHost('tz01', { imageId: img.id });
      const before = Date.now();
      await fogRequest(kolkata, 'POST', `/fog/host/${host.id}/task`, { body: DEPLOY });
      const listed = await fogRequest(kolkata, 'GET', '/fog/task', { body: { hostID: host.id } });
      const [task] = (listed.json as { tasks: Array<{ createdTime: string }> }).tasks;
      // Kolkata is UTC+5:30 all year.
      const shown = Date.parse(`${task?.createdTime.replace(' ', 'T') ?? ''}Z`) - 5.5 * 3600_000;
      expect(Math.abs(shown - before)).toBeLessThan(2000);
    } finally {
      await kolkata.stop();
    }
  });

  it('backdateTask moves a task’s creation into the past', async () => {
    const host = newHost('old');
    const id = await deploy(host.id);
    sim.backdateTask(id, 3600_000);
    const created = String((await taskById(id)).createdTime);
    expect(Date.now() - Date.parse(`${created.replace(' ', 'T')}Z`)).toBeGreaterThan(3590_000);
  });
});

describe('faults', () => {
  it('a stuck task stays In-Progress at its percentage', async () => {
    const h = newHost();
    sim.setTaskFate(h.name, { kind: 'stuck', atPct: 37 });
    const id = await deploy(h.id);
    await until(async () => (await taskById(id)).pct === '37');
    await new Promise((r) => setTimeout(r, 250));
    expect(await taskById(id)).toMatchObject({ stateID: '3', pct: '37' });
  });

  it('a task cancelled in the web UI ends Cancelled', async () => {
    const h = newHost();
    sim.setTaskFate(h.name, { kind: 'cancelled', atPct: 50 });
    const id = await deploy(h.id);
    await until(async () => (await taskById(id)).stateID === '5');
    expect((await taskById(id)).pct).toBe('50');
  });

  it('a vanishing task disappears: 404', async () => {
    const h = newHost();
    sim.setTaskFate(h.name, { kind: 'vanish', atPct: 20 });
    const id = await deploy(h.id);
    await until(async () => (await fogRequest(sim, 'GET', `/fog/task/${id}`)).status === 404);
  });

  it('answers 500 to the next requests, or to all until cleared', async () => {
    sim.setFaults({ failNext: 2 });
    expect((await fogRequest(sim, 'GET', '/fog/host')).status).toBe(500);
    expect((await fogRequest(sim, 'GET', '/fog/host')).status).toBe(500);
    expect((await fogRequest(sim, 'GET', '/fog/host')).status).toBe(200);
    sim.setFaults({ failAll: true });
    expect((await fogRequest(sim, 'GET', '/fog/image')).status).toBe(500);
    sim.clearFaults();
    expect((await fogRequest(sim, 'GET', '/fog/image')).status).toBe(200);
  });

  it('slow responses outlast a client that waits less', async () => {
    sim.setFaults({ latencyMs: 400 });
    await expect(fogRequest(sim, 'GET', '/fog/host', { timeoutMs: 50 })).rejects.toThrow(/timed out/);
  });
});
