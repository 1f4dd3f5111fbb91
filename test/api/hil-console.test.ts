/**
 * Serial consoles: text a host writes on its serial port (ipmi_sim's SOL, `sol "tcp:..."`) is
 * captured by `ipmitool sol activate` into the node's bounded log, read back through HIL's console
 * API (PUT/GET/DELETE /v0/node/<n>/console), and streamed live to a booking owner's WebSocket.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildServer } from '../../api/server';
import { setCredential } from '../../db/credentials';
import { newKeyEntry, parseKeyring } from '../../db/crypto';
import { startIpmiSim, type IpmiSim } from '../../sim/counterparts/ipmi-sim';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';

const TOKEN = 'hil-console-token-0123456789';
const ADMIN = { authorization: `Bearer ${TOKEN}` };
const keyring = parseKeyring(newKeyEntry('k1'));

let env: LabWorker;
let api: FastifyInstance;
let base: string;
let bmc: IpmiSim;

beforeAll(async () => {
  [env, bmc] = await Promise.all([startLabWorker(), startIpmiSim({ password: 'SolPw-4-ipmi', serial: true })]);
  api = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: TOKEN, hil: { keyring } });
  base = await api.listen({ host: '127.0.0.1', port: 0 });
  await bmc.serial!.connected();
});
afterAll(async () => {
  await api?.close();
  await bmc?.stop();
  await env?.close();
});

async function v0(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/v0${path}`, { method, headers: ADMIN, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, text: await res.text() };
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('serial console over IPMI SOL', () => {
  it("HIL's console API starts, reads and stops the capture of a node's serial port", async () => {
    const setup: [string, string, unknown?][] = [
      ['PUT', '/node/sol-n1', { obm: { type: 'http://schema.massopencloud.org/haas/v0/obm/ipmi', host: '127.0.0.1', port: bmc.port, user: bmc.username, password: 'SolPw-4-ipmi' } }],
      ['PUT', '/project/solp'],
      ['POST', '/project/solp/connect_node', { node: 'sol-n1' }],
      ['PUT', '/node/sol-n1/console'],
    ];
    for (const [m, p, b] of setup) expect((await v0(m, p, b)).status, `${m} ${p}`).toBe(200);
    // The capture's session is up once SOL forwards; keep writing until a line comes through.
    const log = await until('console log', async () => {
      bmc.serial!.write('Ubuntu 22.04 sol-n1 ttyS0\r\n');
      return v0('GET', '/node/sol-n1/console');
    }, (r) => r.text.includes('Ubuntu 22.04 sol-n1 ttyS0'));
    expect(log.status).toBe(200);
    expect(log.text).not.toContain('SOL Session operational');
    expect(await v0('GET', '/node/nope/console')).toEqual({ status: 404, text: JSON.stringify({ type: 'NotFoundError', msg: 'Node nope does not exist.' }) });
    expect(await v0('DELETE', '/node/sol-n1/console')).toEqual({ status: 200, text: '' });
    // Detaching leaves no console behind.
    expect((await v0('POST', '/project/solp/detach_node', { node: 'sol-n1' })).status).toBe(200);
  });

  it("streams a booked host's console to the booking's WebSocket and serves its log", async () => {
    const booking = await startBooking(env.client, env.taskQueue, sampleBooking(['sim-02'], { headnode: undefined }));
    await waitForState(booking, ['active']);
    const id = booking.workflowId.replace(/^booking-/, '');
    // sim-02's BMC is now the ipmi_sim with a serial port.
    await setCredential(env.database.db, keyring, 'bmc/sim-02-sol', { username: bmc.username, password: 'SolPw-4-ipmi' });
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
