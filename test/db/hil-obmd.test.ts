/**
 * HIL >= 0.4's nodes: registered with `{"obmd": {"uri", "admin_token"}}`, their OBM gated by
 * `PUT /node/<n>/obm`, power going laas → obmd (the simulator) → ipmitool → ipmi_sim. The bodies
 * are the ones HIL's master client sends (hil-clients.md §3.2, §4, §5).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpmitoolPower } from '../../drivers/power/ipmitool';
import { ObmdPower } from '../../drivers/power/obmd';
import { startIpmiSim, type IpmiSim } from '../../sim/counterparts/ipmi-sim';
import { startObmdSim, type ObmdSim } from '../../sim/obmd/obmd-sim';
import { basic, buildHilApp, type HilApp } from './helpers/hil-app';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

const BMC_PASSWORD = 'ObmdBmc-31-qq';
const DAVE = basic('dave', 'dave-obmd-pw-5');

let t: TempDatabase;
let hil: HilApp;
let bmc: IpmiSim;
let obmd: ObmdSim;
const answers: string[] = [];

async function call(method: string, url: string, auth: string, body?: unknown) {
  // HIL's client sends json.dumps(...) as text with no Content-Type.
  const response = await hil.app.inject({ method: method as 'GET', url: `/v0${url}`, headers: { authorization: auth }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  answers.push(response.body);
  return { status: response.statusCode, body: response.body ? (JSON.parse(response.body) as unknown) : undefined };
}
const admin = () => `Bearer ${hil.adminToken}`;

beforeAll(async () => {
  [t, bmc, obmd] = await Promise.all([createTempDatabase(), startIpmiSim({ password: BMC_PASSWORD }), startObmdSim()]);
  const ipmi = new IpmitoolPower({ timeoutMs: 10_000 });
  const viaObmd = new ObmdPower({ timeoutMs: 15_000 });
  hil = await buildHilApp(t, { power: (type) => (type === 'obmd' ? viaObmd : ipmi) });
  // The obmd administrator registers the BMC in obmd itself, outside HIL.
  const registered = await fetch(obmd.nodeUri('node4'), {
    method: 'PUT',
    headers: { authorization: `Basic ${Buffer.from(`admin:${obmd.adminToken}`).toString('base64')}` },
    body: JSON.stringify({ type: 'ipmi', info: { addr: `127.0.0.1:${bmc.port}`, user: bmc.username, pass: BMC_PASSWORD } }),
  });
  expect(registered.status).toBe(200);
  for (const [method, url, body] of [
    ['PUT', '/project/p1'],
    ['PUT', '/auth/basic/user/dave', { password: 'dave-obmd-pw-5', is_admin: false }],
    ['POST', '/auth/basic/user/dave/add_project', { project: 'p1' }],
  ] as [string, string, unknown?][]) expect((await call(method, url, admin(), body)).status).toBe(200);
});
afterAll(async () => {
  await hil?.app.close();
  await Promise.all([bmc?.stop(), obmd?.stop()]);
  await t?.drop();
});

describe('obmd nodes (HIL >= 0.4)', () => {
  it('registers with the obmd body, refusing a non-http URI or a missing field as ValidationError', async () => {
    expect(await call('PUT', '/node/node4', admin(), { obmd: { uri: obmd.nodeUri('node4'), admin_token: obmd.adminToken } })).toEqual({ status: 200, body: undefined });
    expect(await call('PUT', '/node/node4', admin(), { obmd: { uri: obmd.nodeUri('node4'), admin_token: obmd.adminToken } })).toEqual({
      status: 409, body: { type: 'DuplicateError', msg: 'Node node4 already exists.' },
    });
    expect(await call('PUT', '/node/node5', admin(), { obmd: { uri: 'ftp://obmd.example.com/node/node5', admin_token: 'x' } })).toMatchObject({ status: 400, body: { type: 'ValidationError' } });
    expect(await call('PUT', '/node/node5', admin(), { obmd: { uri: 'https://obmd.example.com/node/node5' } })).toMatchObject({ status: 400, body: { type: 'ValidationError' } });
    expect(await call('PUT', '/node/node5', DAVE, { obmd: { uri: 'https://obmd.example.com/node/node5', admin_token: 'x' } })).toMatchObject({ status: 401, body: { type: 'AuthorizationError' } });
    expect((await call('GET', '/nodes/all', admin())).body).toEqual(['node4']);
  });

  it('refuses power while OBM is disabled, and powers through obmd once the project enables it', async () => {
    expect((await call('POST', '/project/p1/connect_node', DAVE, { node: 'node4' })).status).toBe(200);
    expect(await call('POST', '/node/node4/power_on', DAVE)).toEqual({ status: 409, body: { type: 'BlockedError', msg: 'OBM is not enabled' } });
    expect(await call('GET', '/node/node4/power_status', DAVE)).toEqual({ status: 409, body: { type: 'BlockedError', msg: 'OBM is not enabled' } });
    expect(await call('PUT', '/node/node4/obm', DAVE, { enabled: 'yes' })).toMatchObject({ status: 400, body: { type: 'ValidationError' } });
    expect(await call('PUT', '/node/node4/obm', DAVE, {})).toMatchObject({ status: 400, body: { type: 'ValidationError' } });
    expect(await call('PUT', '/node/nope/obm', DAVE, { enabled: true })).toEqual({ status: 404, body: { type: 'NotFoundError', msg: 'Node nope does not exist.' } });

    obmd.requests.length = 0;
    expect(await call('PUT', '/node/node4/obm', DAVE, { enabled: true })).toEqual({ status: 200, body: undefined });
    expect(await call('PUT', '/node/node4/obm', DAVE, { enabled: true })).toEqual({ status: 200, body: undefined });
    // Enabling asks obmd for the node's token once; repeating is a no-op.
    expect(obmd.requests).toEqual(['POST /node/node4/token']);

    await bmc.clearCalls();
    expect(await call('POST', '/node/node4/power_on', DAVE)).toEqual({ status: 200, body: undefined });
    expect(await bmc.power()).toBe('on');
    expect(await call('GET', '/node/node4/power_status', DAVE)).toEqual({ status: 200, body: { power_status: 'on' } });
    expect(await call('PUT', '/node/node4/boot_device', DAVE, { bootdev: 'pxe' })).toEqual({ status: 200, body: undefined });
    expect(await bmc.bootDevice()).toBe('pxe');
    expect(await call('POST', '/node/node4/power_cycle', DAVE, { force: false })).toEqual({ status: 200, body: undefined });
    // ipmi_sim finishes a cycle after answering.
    for (let i = 0; i < 100 && (await bmc.chassisChanges()).length < 4; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await call('POST', '/node/node4/power_off', DAVE)).toEqual({ status: 200, body: undefined });
    expect(await bmc.power()).toBe('off');
    expect(await bmc.chassisChanges()).toEqual(['set power 1', 'set boot pxe', 'set power 0', 'set power 1', 'set power 0']);
    expect(obmd.requests.slice(1)).toEqual([
      'POST /node/node4/power_on', 'GET /node/node4/power_status', 'PUT /node/node4/boot_device', 'POST /node/node4/power_cycle', 'POST /node/node4/power_off',
    ]);
  });

  it('keeps a node in its project while OBM is enabled; disabling drops the token at obmd', async () => {
    expect(await call('POST', '/project/p1/detach_node', DAVE, { node: 'node4' })).toEqual({ status: 409, body: { type: 'BlockedError', msg: "Node's obm is enabled." } });
    obmd.requests.length = 0;
    expect(await call('PUT', '/node/node4/obm', DAVE, { enabled: false })).toEqual({ status: 200, body: undefined });
    expect(obmd.requests).toEqual(['DELETE /node/node4/token']);
    expect(await call('POST', '/node/node4/power_cycle', DAVE, { force: true })).toEqual({ status: 409, body: { type: 'BlockedError', msg: 'OBM is not enabled' } });
    expect(await call('POST', '/project/p1/detach_node', DAVE, { node: 'node4' })).toEqual({ status: 200, body: undefined });
    // A free node's OBM is the administrators' business.
    expect(await call('PUT', '/node/node4/obm', DAVE, { enabled: true })).toMatchObject({ status: 401, body: { type: 'AuthorizationError' } });
  });

  it('answers OBMError when obmd refuses the admin token', async () => {
    expect((await call('PUT', '/node/node6', admin(), { obmd: { uri: obmd.nodeUri('node6'), admin_token: 'not-the-admin-token' } })).status).toBe(200);
    expect(await call('PUT', '/node/node6/obm', admin(), { enabled: true })).toMatchObject({ status: 500, body: { type: 'OBMError' } });
    expect(answers.at(-1)).toContain('Failed to get a token for node node6');
    expect((await call('DELETE', '/node/node6', admin())).status).toBe(200);
  });

  it('keeps IPMI nodes (HIL 0.3) ungated, and never shows the admin token', async () => {
    expect((await call('PUT', '/node/n3', admin(), { obm: { type: 'http://schema.massopencloud.org/haas/v0/obm/ipmi', host: '127.0.0.1', port: bmc.port, user: bmc.username, password: BMC_PASSWORD } })).status).toBe(200);
    expect(await call('GET', '/node/n3/power_status', admin())).toEqual({ status: 200, body: { power_status: 'off' } });
    expect((await call('DELETE', '/node/node4', admin())).status).toBe(200);
    expect(await call('GET', '/node/node4', admin())).toMatchObject({ status: 404 });
    const seen = [...answers, ...hil.logs].join('\n');
    expect(seen).not.toContain(obmd.adminToken);
    expect(seen).not.toContain(BMC_PASSWORD);
  });
});
