/**
 * HIL's power calls over HTTP against the real API server with no in-process power driver: each
 * call runs as a short workflow on the lab's worker (a real worker on the dev server, driving the
 * simulated lab), and the request answers when the BMC has.
 */
import type { FastifyInstance } from 'fastify';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../api/server';
import { listAudit } from '../../db/audit';
import { newKeyEntry, parseKeyring } from '../../db/crypto';
import { connectNode, createProject } from '../../db/projects';
import { addUserToProject, createUser } from '../../db/users';
import { simCredentials } from '../../workers/sim-deps';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';

const ADMIN_PASSWORD = 'hil-power-admin-pw-1618';
const ALICE = `Basic ${Buffer.from('alice:alice-power-pw').toString('base64')}`;

let env: LabWorker;
let api: FastifyInstance;
let base: string;

beforeAll(async () => {
  env = await startLabWorker();
  const db = env.database.db;
  for (const p of ['demo', 'other']) await createProject(db, p);
  await createUser(db, 'alice', 'alice-power-pw');
  await addUserToProject(db, 'alice', 'demo');
  await connectNode(db, 'demo', 'sim-01');
  await connectNode(db, 'other', 'sim-02');
  api = await buildServer({
    temporal: env.client,
    db,
    lab: env.lab,
    taskQueue: env.taskQueue,
    apiToken: 'hil-power-token-0123456789',
    hil: { keyring: parseKeyring(newKeyEntry('k1')), adminPassword: ADMIN_PASSWORD },
  });
  base = `${await api.listen({ host: '127.0.0.1', port: 0 })}/v0`;
});
afterAll(async () => {
  await api?.close();
  await env?.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: ALICE },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const journalOf = (host: string) => env.simLab.journal.filter((e) => e.target === host).map((e) => [e.at, e.detail ?? null]);

/** A history as JSON with every payload's bytes decoded, so a secret in any payload would show. */
function readable(json: string): string {
  return json.replace(/"data":\s*"([A-Za-z0-9+/=]*)"/g, (_m, b64: string) => `"data":${Buffer.from(b64, 'base64').toString('utf8')}`);
}

/** The lab's power-call workflows, once visibility has caught up with `atLeast` of them. */
async function powerWorkflows(atLeast: number): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ids: string[] = [];
    for await (const w of env.client.workflow.list({ query: `WorkflowType = 'powerActionWorkflow' AND TaskQueue = '${env.taskQueue}'` })) ids.push(w.workflowId);
    if (ids.length >= atLeast || Date.now() > deadline) return ids;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("HIL power calls through the lab's worker", () => {
  it('power_off, power_cycle, power_status and boot_device drive the BMC and answer when it has', async () => {
    env.simLab.host('sim-01').power = 'on';
    expect(await call('POST', '/node/sim-01/power_off')).toEqual({ status: 200, body: undefined });
    expect(env.simLab.host('sim-01').power).toBe('off');
    expect(await call('GET', '/node/sim-01/power_status')).toEqual({ status: 200, body: { power_status: 'off' } });

    expect(await call('POST', '/node/sim-01/power_cycle', { force: true })).toEqual({ status: 200, body: undefined });
    expect(env.simLab.host('sim-01').power).toBe('on');
    expect(await call('GET', '/node/sim-01/power_status')).toEqual({ status: 200, body: { power_status: 'on' } });

    expect((await call('PUT', '/node/sim-01/boot_device', { bootdev: 'pxe' })).status).toBe(200);
    expect(env.simLab.host('sim-01').bootDevice).toBe('pxe');
    expect((await call('PUT', '/node/sim-01/boot_device', { bootdev: 'none' })).status).toBe(200);
    expect(env.simLab.host('sim-01').bootDevice).toBe('disk');

    expect(journalOf('sim-01')).toEqual([
      ['power.off', null],
      ['power.on', 'cycle'],
      ['power.bootdev', 'pxe'],
      ['power.bootdev', 'disk'],
    ]);
    // Audited like every HIL write, with who asked; reads are not.
    const audit = (await listAudit(env.database.db, { subject: 'sim-01' })).map((r) => [r.actor, r.action, r.outcome]).reverse();
    expect(audit).toEqual([
      ['alice', 'POST /v0/node/:node/power_off', 'ok'],
      ['alice', 'POST /v0/node/:node/power_cycle', 'ok'],
      ['alice', 'PUT /v0/node/:node/boot_device', 'ok'],
      ['alice', 'PUT /v0/node/:node/boot_device', 'ok'],
    ]);
  });

  it("a BMC that refuses gives HIL's OBMError; a transient failure is retried, a cycle is never sent twice", async () => {
    const before = journalOf('sim-03').length;
    await connectNode(env.database.db, 'demo', 'sim-03');
    env.simLab.faults.inject({ at: 'power.off', target: 'sim-03', kind: 'permanent' });
    const refused = await call('POST', '/node/sim-03/power_off');
    env.simLab.faults.clear();
    expect(refused).toEqual({ status: 500, body: { type: 'OBMError', msg: 'simulated permanent fault at power.off on sim-03' } });
    const [row] = await listAudit(env.database.db, { subject: 'sim-03' });
    expect(row).toMatchObject({ action: 'POST /v0/node/:node/power_off', status: 500, outcome: 'failed', error_type: 'OBMError' });

    env.simLab.faults.inject({ at: 'power.on', target: 'sim-03', kind: 'transient', times: 1 });
    expect((await call('POST', '/node/sim-03/power_on')).status).toBe(200);
    expect(env.simLab.host('sim-03').power).toBe('on');

    // A cycle that failed may have rebooted the node: the user decides whether to ask again.
    env.simLab.faults.inject({ at: 'power.on', target: 'sim-03', detail: 'cycle', kind: 'transient', times: 1 });
    const cycle = await call('POST', '/node/sim-03/power_cycle');
    env.simLab.faults.clear();
    expect(cycle).toEqual({ status: 500, body: { type: 'OBMError', msg: 'simulated transient fault at power.on on sim-03' } });
    expect(journalOf('sim-03').slice(before)).toEqual([['power.on', null]]);
  });

  it("a node of another project is refused before anything is sent to its BMC", async () => {
    const refused = await call('POST', '/node/sim-02/power_cycle');
    expect(refused).toEqual({ status: 401, body: { type: 'AuthorizationError', msg: 'You do not have access to project other.' } });
    // A free node is for administrators only, as in HIL.
    expect((await call('POST', '/node/sim-04/power_off')).status).toBe(401);
    expect(await call('POST', '/node/sim-99/power_off')).toEqual({ status: 404, body: { type: 'NotFoundError', msg: 'Node sim-99 does not exist.' } });
    expect(journalOf('sim-02')).toEqual([]);
    expect(journalOf('sim-04')).toEqual([]);
    const started = (await powerWorkflows(1)).filter((id) => /^power-sim-0[24]-/.test(id));
    expect(started).toEqual([]);
  });

  it("the power workflows' histories name the node and action, never the BMC's credentials", async () => {
    const ids = await powerWorkflows(9);
    expect(ids.length).toBeGreaterThanOrEqual(9);
    expect(ids.every((id) => /^power-sim-0[13]-[0-9a-f-]{36}$/.test(id))).toBe(true);
    const { username, password } = await simCredentials.get('sim-bmc');
    for (const id of ids) {
      const history = readable(historyToJSON(await env.client.workflow.getHandle(id).fetchHistory()));
      expect(history).toMatch(/"node":"sim-0[13]"/);
      expect(history).not.toContain(password);
      expect(history).not.toContain(username);
    }
    const one = await env.client.workflow.getHandle(ids[0]!).describe();
    expect(one.type).toBe('powerActionWorkflow');
  });
});
