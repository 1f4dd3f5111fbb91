/**
 * The dashboard simulator against the contract in laas-pipeline.md: the lab token, the job
 * and task shapes, status reports as form posts, the listing by status, and the teardown deltas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardSimulator, type JobJson, type JobSpec } from '../../sim/dashboard/dashboard-sim';

let dash: DashboardSimulator;

const spec: JobSpec = {
  hardware: [{ id: 'sim-01', image: 'ubuntu-22.04', power: 'on', hostname: 'pod-1', ipmi_create: false }],
  network: [{ 'sim-01': { '52:54:00:00:01:01': [{ vlan_id: 101, tagged: false }], '52:54:00:00:01:02': [{ vlan_id: 102, tagged: true }] } }],
  access: [
    { access_type: 'vpn', user: 'alice', revoke: false },
    { access_type: 'ssh', user: 'alice', revoke: false, context: { key: 'ssh-ed25519 AAAA alice@laptop', hosts: ['sim-01'] } },
  ],
};

beforeAll(async () => {
  dash = await DashboardSimulator.start({ lab: 'sim', token: 'lab-token-0123456789' });
});
afterAll(async () => {
  await dash?.stop();
});

async function get(path: string, token: string | null = dash.labToken): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${dash.url}${path}`, { headers: token === null ? {} : { 'auth-token': token } });
  return { status: res.status, json: await res.json() };
}

async function report(job: number, task: string, fields: Record<string, string>, contentType = 'application/x-www-form-urlencoded') {
  const body = contentType.includes('json') ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  const res = await fetch(`${dash.url}/api/labs/sim/jobs/${job}/${task}`, { method: 'POST', headers: { 'auth-token': dash.labToken, 'content-type': contentType }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const newJobs = async () => (await get('/api/labs/sim/jobs/new')).json as JobJson[];
const listed = (jobs: JobJson[], id: number) => jobs.find((j) => j.id === id);

describe('the dashboard simulator', () => {
  it('refuses a missing or wrong token, and a wrong lab, with 401', async () => {
    expect((await get('/api/labs/sim/jobs/new', null)).status).toBe(401);
    expect((await get('/api/labs/sim/jobs/new', 'nope')).status).toBe(401);
    expect((await get('/api/labs/other/jobs/new')).status).toBe(401);
    expect((await get('/api/labs/sim/jobs/new')).status).toBe(200);
  });

  it('hands out a new job in the contract shape: tasks by kind, keyed by task id', async () => {
    const job = dash.addJob(spec);
    const seen = listed(await newJobs(), job.id)!;
    expect(Object.keys(seen.payload).sort()).toEqual(['access', 'hardware', 'network']);
    const hardware = Object.entries(seen.payload.hardware!);
    expect(hardware).toHaveLength(1);
    expect(hardware[0]![0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(hardware[0]![1]).toEqual(spec.hardware![0]);
    expect(Object.values(seen.payload.network!)).toEqual(spec.network);
    expect(Object.values(seen.payload.access!)).toEqual(spec.access);
    expect((await get(`/api/labs/sim/jobs/${job.id}`)).json).toEqual(seen);
  });

  it('records form-posted reports; a job moves from new to current to done task by task', async () => {
    const job = dash.addJob(spec);
    const [first, ...others] = job.tasks;
    const answer = await report(job.id, first!.id, { status: '100', message: 'imaging' });
    expect(answer.status).toBe(200);
    expect(answer.json.meta).toEqual({ status: 100, job: String(job.id), message: 'imaging' });
    expect(Object.keys(listed(await newJobs(), job.id)!.payload.network!)).toHaveLength(1);
    const current = listed((await get('/api/labs/sim/jobs/current')).json as JobJson[], job.id)!;
    expect(Object.keys(current.payload)).toEqual(['hardware']);

    for (const t of others) expect((await report(job.id, t.id, { status: '100' })).status).toBe(200);
    expect(listed(await newJobs(), job.id)).toBeUndefined();
    await report(job.id, first!.id, { status: '200', message: 'sim-01 ready' });
    expect(Object.keys(listed((await get('/api/labs/sim/jobs/done')).json as JobJson[], job.id)!.payload)).toEqual(['hardware']);
    expect(dash.reportsFor(job.id, first!.id).map((r) => [r.status, r.message])).toEqual([
      [100, 'imaging'],
      [200, 'sim-01 ready'],
    ]);
    // A report without a message keeps the last one, as the dashboard's form handling does.
    expect(dash.reportsFor(job.id, others[0]!.id)).toEqual([{ job: job.id, task: others[0]!.id, kind: 'network', status: 100, message: '' }]);
  });

  it('refuses a status outside 0/100/200/300, a JSON body, and unknown tasks, recording nothing', async () => {
    const job = dash.addJob(spec);
    const task = job.tasks[0]!.id;
    const bad = await report(job.id, task, { status: '150' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/status must be one of 0, 100, 200, 300/);
    expect((await report(job.id, task, { status: '200' }, 'application/json')).status).toBe(415);
    expect((await report(job.id, '00000000-0000-0000-0000-000000000000', { status: '200' })).status).toBe(404);
    expect((await report(job.id + 1000, task, { status: '200' })).status).toBe(404);
    expect(dash.reportsFor(job.id)).toEqual([]);
  });

  it('hands the ended booking out again with teardown deltas, every task new', async () => {
    const job = dash.addJob(spec);
    for (const t of job.tasks) await report(job.id, t.id, { status: '200', message: 'done' });
    expect(listed(await newJobs(), job.id)).toBeUndefined();
    dash.endBooking(job.id);
    const again = listed(await newJobs(), job.id)!;
    expect(Object.values(again.payload.hardware!)).toEqual([{ id: 'sim-01', power: 'off' }]);
    expect(Object.values(again.payload.network!)).toEqual([{ 'sim-01': { '52:54:00:00:01:01': [], '52:54:00:00:01:02': [] } }]);
    expect(Object.values(again.payload.access!).map((a) => (a as { revoke: boolean }).revoke)).toEqual([true, true]);
    expect(new Set(Object.keys(again.payload.hardware!))).toEqual(new Set([job.tasks[0]!.id]));
  });

  it('fails reports on demand without recording them', async () => {
    const job = dash.addJob(spec);
    dash.setFaults({ failNextReports: 1 });
    expect((await report(job.id, job.tasks[0]!.id, { status: '100' })).status).toBe(500);
    expect((await report(job.id, job.tasks[0]!.id, { status: '100' })).status).toBe(200);
    expect(dash.reportsFor(job.id)).toHaveLength(1);
    expect(dash.requests.every((r) => !JSON.stringify(r).includes(dash.labToken))).toBe(true);
  });
});
