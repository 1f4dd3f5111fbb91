/**
 * Serial consoles: text a host writes on its serial port (ipmi_sim's SOL, `sol "tcp:..."`) is
 * captured by the lab's worker (`ipmitool sol activate`, or obmd's console stream for an obmd
 * node) into the node's bounded log in PostgreSQL, read back through HIL's console API
 * (PUT/GET/DELETE /v0/node/<n>/console), and streamed live to a booking owner's WebSocket. The
 * API only asks the worker and reads the log: a capture outlives the API that started it.
 */
import type { FastifyInstance } from 'fastify';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildServer } from '../../api/server';
import { setCredential } from '../../db/credentials';
import { newKeyEntry, parseKeyring } from '../../db/crypto';
import { startIpmiSim, type IpmiSim } from '../../sim/counterparts/ipmi-sim';
import { startObmdSim, type ObmdSim } from '../../sim/obmd/obmd-sim';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';

const TOKEN = 'hil-console-token-0123456789';
const ADMIN = { authorization: `Bearer ${TOKEN}` };
const SOL_PW = 'SolPw-4-ipmi';
const OBMD_BMC_PW = 'ObmdSol-8-pw';
const keyring = parseKeyring(newKeyEntry('k1'));

let env: LabWorker;
let api: FastifyInstance;
let base: string;
let bmc: IpmiSim;
let obmdBmc: IpmiSim;
let obmd: ObmdSim;

/** An API process: no device driver in it, only Temporal and PostgreSQL. */
async function startApi(): Promise<void> {
  api = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: TOKEN, hil: { keyring } });
  base = await api.listen({ host: '127.0.0.1', port: 0 });
}

beforeAll(async () => {
  [env, bmc, obmdBmc, obmd] = await Promise.all([
    startLabWorker({ keyring }),
    startIpmiSim({ password: SOL_PW, serial: true }),
    startIpmiSim({ password: OBMD_BMC_PW, serial: true }),
    startObmdSim(),
  ]);
  await startApi();
  await Promise.all([bmc.serial!.connected(), obmdBmc.serial!.connected()]);
});
afterAll(async () => {
  await api?.close();
  await Promise.all([bmc?.stop(), obmdBmc?.stop(), obmd?.stop()]);
  await env?.close();
});

async function v0(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/v0${path}`, { method, headers: ADMIN, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, text: await res.text() };
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes `line` on the serial port until the node's HIL console log shows it. */
function untilLogged(serial: IpmiSim['serial'], node: string, line: string) {
  return until(`console log of ${node}`, async () => {
    serial!.write(`${line}\r\n`);
    return v0('GET', `/node/${node}/console`);
  }, (r) => r.text.includes(line));
}

/** A workflow's history with every payload decoded, so a secret in any payload would show. */
async function readableHistory(workflowId: string): Promise<string> {
  const json = historyToJSON(await env.client.workflow.getHandle(workflowId).fetchHistory());
  return json.replace(/"data":\s*"([A-Za-z0-9+/=]*)"/g, (_m, b64: string) => `"data":${Buffer.from(b64, 'base64').toString('utf8')}`);
}

describe('serial console over IPMI SOL, captured by the lab worker', () => {
  it("HIL's console API starts, reads and stops the capture of a node's serial port, across an API restart", async () => {
    const setup: [string, string, unknown?][] = [
      ['PUT', '/node/sol-n1', { obm: { type: 'http://schema.massopencloud.org/haas/v0/obm/ipmi', host: '127.0.0.1', port: bmc.port, user: bmc.username, password: SOL_PW } }],
      ['PUT', '/project/solp'],
      ['POST', '/project/solp/connect_node', { node: 'sol-n1' }],
      ['PUT', '/node/sol-n1/console'],
    ];
    for (const [m, p, b] of setup) expect((await v0(m, p, b)).status, `${m} ${p}`).toBe(200);
    // The capture's session is up once SOL forwards; keep writing until a line comes through.
    const log = await untilLogged(bmc.serial, 'sol-n1', 'Ubuntu 22.04 sol-n1 ttyS0');
    expect(log.status).toBe(200);
    expect(log.text).not.toContain('SOL Session operational');

    // The API goes away and comes back: the worker kept capturing meanwhile, nothing was lost.
    await api.close();
    bmc.serial!.write('written while the API was down\r\n');
    await startApi();
    const after = await untilLogged(bmc.serial, 'sol-n1', 'after the API came back');
    expect(after.text).toContain('Ubuntu 22.04 sol-n1 ttyS0');
    expect(after.text).toContain('written while the API was down');

    expect(await v0('GET', '/node/nope/console')).toEqual({ status: 404, text: JSON.stringify({ type: 'NotFoundError', msg: 'Node nope does not exist.' }) });
    expect(await v0('DELETE', '/node/sol-n1/console')).toEqual({ status: 200, text: '' });
    // The capture's workflow ended with the stop, and named the node only, never the BMC's password.
    const history = await readableHistory(`console-${env.lab.name}-sol-n1`);
    expect(history).toContain('"node":"sol-n1"');
    expect(history).not.toContain(SOL_PW);
    expect((await env.client.workflow.getHandle(`console-${env.lab.name}-sol-n1`).describe()).status.name).toBe('CANCELLED');
    // Detaching leaves no console behind.
    expect((await v0('POST', '/project/solp/detach_node', { node: 'sol-n1' })).status).toBe(200);
  });

  it("streams a booked host's console to the booking's WebSocket and serves its log", async () => {
    const booking = await startBooking(env.client, env.taskQueue, sampleBooking(['sim-02'], { headnode: undefined }));
    await waitForState(booking, ['active']);
    const id = booking.workflowId.replace(/^booking-/, '');
    // sim-02's BMC is now the ipmi_sim with a serial port.
    await setCredential(env.database.db, keyring, 'bmc/sim-02-sol', { username: bmc.username, password: SOL_PW });
    await env.database.db.updateTable('hosts').set({ bmc_type: 'ipmi', bmc_address: '127.0.0.1', bmc_port: bmc.port, bmc_credential: 'bmc/sim-02-sol' }).where('name', '=', 'sim-02').execute();

    const socket = new WebSocket(`${base.replace('http', 'ws')}/v1/bookings/${id}/hosts/sim-02/console`, { headers: ADMIN });
    let seen = '';
    socket.on('message', (data: Buffer) => (seen += data.toString('latin1')));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    await until('live console', () => {
      bmc.serial!.write('sim-02 login: \r\n');
      return Promise.resolve(seen);
    }, (s) => s.includes('sim-02 login:'));
    const log = await fetch(`${base}/v1/bookings/${id}/hosts/sim-02/console`, { headers: ADMIN });
    expect(log.status).toBe(200);
    expect(await log.text()).toContain('sim-02 login:');
    const notBooked = await fetch(`${base}/v1/bookings/${id}/hosts/sim-03/console`, { headers: ADMIN });
    expect(notBooked.status).toBe(404);
    socket.close();
    await booking.cancel().catch(() => undefined);
  });
});

describe("an obmd node's console: obmd's console stream", () => {
  it('reads what the serial port behind obmd writes, once OBM is enabled, and stops when it is disabled', async () => {
    const obmdAdmin = `Basic ${Buffer.from(`admin:${obmd.adminToken}`).toString('base64')}`;
    const put = await fetch(obmd.nodeUri('ob1'), { method: 'PUT', headers: { authorization: obmdAdmin }, body: JSON.stringify({ type: 'ipmi', info: { addr: `127.0.0.1:${obmdBmc.port}`, user: obmdBmc.username, pass: OBMD_BMC_PW } }) });
    expect(put.status).toBe(200);
    for (const [m, p, b] of [
      ['PUT', '/node/ob1', { obmd: { uri: obmd.nodeUri('ob1'), admin_token: obmd.adminToken } }],
      ['PUT', '/project/obp'],
      ['POST', '/project/obp/connect_node', { node: 'ob1' }],
    ] as [string, string, unknown?][]) expect((await v0(m, p, b)).status, `${m} ${p}`).toBe(200);
    // HIL's gate: no console while OBM is disabled.
    expect(await v0('PUT', '/node/ob1/console')).toEqual({ status: 409, text: JSON.stringify({ type: 'BlockedError', msg: 'OBM is not enabled' }) });

    obmd.requests.length = 0;
    expect(await v0('PUT', '/node/ob1/obm', { enabled: true })).toEqual({ status: 200, text: '' });
    expect(await v0('PUT', '/node/ob1/console')).toEqual({ status: 200, text: '' });
    const log = await untilLogged(obmdBmc.serial, 'ob1', 'ob1 login: via obmd');
    expect(log.status).toBe(200);
    // The worker got the node token from obmd and reads obmd's console endpoint with it.
    expect(obmd.requests.slice(0, 2)).toEqual(['POST /node/ob1/token', 'GET /node/ob1/console']);

    // Disabling OBM invalidates the token at obmd, which ends its console; laas drops the log.
    expect(await v0('PUT', '/node/ob1/obm', { enabled: false })).toEqual({ status: 200, text: '' });
    expect(obmd.requests).toContain('DELETE /node/ob1/token');
    expect(await v0('GET', '/node/ob1/console')).toEqual({ status: 409, text: JSON.stringify({ type: 'BlockedError', msg: 'OBM is not enabled' }) });
    const row = await env.database.db.selectFrom('console_logs').innerJoin('hosts', 'hosts.id', 'console_logs.host_id').select('hosts.name').where('hosts.name', '=', 'ob1').executeTakeFirst();
    expect(row).toBeUndefined();
    expect((await v0('POST', '/project/obp/detach_node', { node: 'ob1' })).status).toBe(200);
    expect((await v0('DELETE', '/node/ob1')).status).toBe(200);
  });
});
