/**
 * HIL calls beyond the curl walk-through: networking actions and their status
 * model, power through the real ipmitool driver against OpenIPMI's ipmi_sim,
 * network access, users and tokens — and no credential in any answer or log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, setVlanPool } from '../../db/labs';
import { finishNetworkAction, listPendingNetworkActions, networkActionPlan } from '../../db/network-actions';
import { createApiToken } from '../../db/users';
import { IpmitoolPower } from '../../drivers/power/ipmitool';
import { startIpmiSim, type IpmiSim } from '../../sim/counterparts/ipmi-sim';
import { basic, buildHilApp, type HilApp } from './helpers/hil-app';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

const BMC_PASSWORD = 'BmcPw-77-zz';
const SWITCH_PASSWORD = 'SwPw-88-yy';
const USER_PASSWORD = 'carol-pw-99-xx';

describe('HIL API', () => {
  let t: TempDatabase;
  let hil: HilApp;
  let bmc: IpmiSim;
  const announced: string[] = [];
  const answers: string[] = [];

  async function call(method: string, url: string, auth: string | null, body?: unknown) {
    const response = await hil.app.inject({
      method: method as 'GET',
      url: `/v0${url}`,
      headers: auth ? { authorization: auth } : {},
      ...(body === undefined ? {} : typeof body === 'string' ? { payload: body, headers: { authorization: auth ?? '', 'content-type': 'application/json' } } : { payload: body as object }),
    });
    answers.push(response.body);
    return { status: response.statusCode, body: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : undefined };
  }
  const admin = () => `Bearer ${hil.adminToken}`;
  const carol = basic('carol', USER_PASSWORD);

  beforeAll(async () => {
    [t, bmc] = await Promise.all([createTempDatabase(), startIpmiSim({ password: BMC_PASSWORD })]);
    const power = new IpmitoolPower({ timeoutMs: 10_000 });
    hil = await buildHilApp(t, { power: () => power, onNetworkAction: (id) => void announced.push(id) });
    await setVlanPool(t.db, (await ensureLab(t.db, 'hil-lab')).id, [1000, 1001]);
    const setup: [string, string, unknown?][] = [
      ['PUT', '/switch/sw1', { type: 'nxapi', hostname: '192.0.2.5', username: 'netops', password: SWITCH_PASSWORD, enable_secret: SWITCH_PASSWORD }],
      ['PUT', '/switch/sw1/port/Ethernet1/7'],
      ['PUT', '/node/n1', { obm: { type: 'ipmi', host: '127.0.0.1', port: bmc.port, user: bmc.username, password: BMC_PASSWORD } }],
      ['PUT', '/node/n1/nic/eth0', { macaddr: '52-54-00-AA-BB-01' }],
      ['POST', '/switch/sw1/port/Ethernet1/7/connect_nic', { node: 'n1', nic: 'eth0' }],
      ['PUT', '/project/p1'],
      ['PUT', '/project/p2'],
      ['PUT', '/auth/basic/user/carol', { password: USER_PASSWORD }],
      ['POST', '/auth/basic/user/carol/add_project', { project: 'p1' }],
      ['POST', '/project/p1/connect_node', { node: 'n1' }],
      ['PUT', '/network/net1', { owner: 'p1', access: 'p1', net_id: '' }],
      ['PUT', '/network/pubnet', { owner: 'admin', access: '', net_id: '3000' }],
    ];
    for (const [method, url, body] of setup) expect((await call(method, url, admin(), body)).status, `${method} ${url}`).toBe(200);
  });
  afterAll(async () => {
    await hil?.app.close();
    await bmc?.stop();
    await t?.drop();
  });

  it('records connect_network as PENDING, applies it when finished, and frees the pool VLAN with the network', async () => {
    const accepted = await call('POST', '/node/n1/nic/eth0/connect_network', carol, { network: 'net1', channel: 'vlan/1000' });
    expect(accepted.status).toBe(202);
    const id = accepted.body!.status_id as string;
    expect(announced).toContain(id);
    expect(await listPendingNetworkActions(t.db)).toEqual([id]);
    expect((await call('GET', `/networking_action/${id}`, carol)).body).toEqual({
      status: 'PENDING', node: 'n1', nic: 'eth0', type: 'modify_port', channel: 'vlan/1000', new_network: 'net1',
    });
    // One change in flight per NIC, as HIL.
    expect(await call('POST', '/node/n1/nic/eth0/connect_network', carol, { network: 'pubnet' })).toEqual({
      status: 409, body: { type: 'BlockedError', msg: 'A networking operation is already active on the nic.' },
    });
    expect(await networkActionPlan(t.db, id)).toMatchObject({ switch: 'sw1', switchType: 'nxapi', port: 'Ethernet1/7', network: { name: 'net1', vlan: 1000 }, current: [] });

    await finishNetworkAction(t.db, id, { ok: true });
    expect((await call('GET', `/networking_action/${id}`, carol)).body).toMatchObject({ status: 'DONE' });
    expect((await call('GET', '/node/n1', carol)).body).toMatchObject({ nics: [{ label: 'eth0', macaddr: '52:54:00:aa:bb:01', networks: { 'vlan/1000': 'net1' } }] });
    expect((await call('GET', '/network/net1/attachments', carol)).body).toEqual({ n1: { nic: 'eth0', channel: 'vlan/1000', project: 'p1' } });
    expect(await call('DELETE', '/network/net1', carol)).toEqual({ status: 409, body: { type: 'BlockedError', msg: 'Network still connected to nodes' } });
    expect(await call('POST', '/project/p1/detach_node', carol, { node: 'n1' })).toEqual({ status: 409, body: { type: 'BlockedError', msg: 'Node attached to a network' } });

    // A failed switch change leaves the attachment as it was.
    const detach = await call('POST', '/node/n1/nic/eth0/detach_network', carol, { network: 'net1' });
    expect(detach.status).toBe(202);
    await finishNetworkAction(t.db, detach.body!.status_id as string, { ok: false, error: 'switch timed out' });
    expect((await call('GET', `/networking_action/${detach.body!.status_id as string}`, admin())).body).toMatchObject({ status: 'ERROR' });
    expect((await call('GET', '/switch/sw1/port/Ethernet1/7', admin())).body).toEqual({ node: 'n1', nic: 'eth0', networks: { 'vlan/1000': 'net1' } });

    const again = await call('POST', '/node/n1/nic/eth0/detach_network', carol, { network: 'net1' });
    await finishNetworkAction(t.db, again.body!.status_id as string, { ok: true });
    expect((await call('GET', '/node/n1', carol)).body).toMatchObject({ nics: [{ networks: {} }] });
    expect((await call('DELETE', '/network/net1', carol)).status).toBe(200);
    expect((await call('PUT', '/network/net2', carol, { owner: 'p1', access: 'p1', net_id: '' })).status).toBe(200);
    expect((await call('GET', '/network/net2', carol)).body).toMatchObject({ channels: ['vlan/native', 'vlan/1000'] });
  });

  it('refuses connect_network with HIL errors: wrong channel, no access, node outside a project', async () => {
    expect(await call('POST', '/node/n1/nic/eth0/connect_network', carol, { network: 'net2', channel: 'vlan/7' })).toEqual({
      status: 400, body: { type: 'BadArgumentError', msg: 'Channel "vlan/7" is not legal for this network (use vlan/native or vlan/1000).' },
    });
    expect((await call('PUT', '/network/p2net', admin(), { owner: 'p2', access: 'p2', net_id: '' })).status).toBe(200);
    expect(await call('POST', '/node/n1/nic/eth0/connect_network', carol, { network: 'p2net' })).toEqual({
      status: 409, body: { type: 'ProjectMismatchError', msg: 'Project does not have access to given network.' },
    });
    // The pool (1000, 1001) is used up by net2 and p2net.
    expect(await call('PUT', '/network/net3', admin(), { owner: 'admin', access: '', net_id: '' })).toEqual({
      status: 500, body: { type: 'AllocationError', msg: 'No more networks' },
    });
    expect((await call('PUT', '/node/n2', admin(), { obm: { type: 'ipmi', host: '192.0.2.9', user: 'u', password: 'x' } })).status).toBe(200);
    expect((await call('PUT', '/node/n2/nic/eth0', admin(), { macaddr: '52:54:00:aa:bb:02' })).status).toBe(200);
    expect(await call('POST', '/node/n2/nic/eth0/connect_network', admin(), { network: 'pubnet' })).toEqual({
      status: 409, body: { type: 'ProjectMismatchError', msg: 'Node not in project' },
    });
  });

  it('delegates power and boot device to the power driver, with the stored BMC credentials', async () => {
    await bmc.clearCalls();
    expect((await call('POST', '/node/n1/power_on', carol)).status).toBe(200);
    expect(await call('GET', '/node/n1/power_status', carol)).toEqual({ status: 200, body: { power_status: 'on' } });
    expect((await call('PUT', '/node/n1/boot_device', carol, { bootdev: 'pxe' })).status).toBe(200);
    expect((await call('POST', '/node/n1/power_off', carol)).status).toBe(200);
    expect(await bmc.chassisChanges()).toEqual(['set power 1', 'set boot pxe', 'set power 0']);
    expect(await call('PUT', '/node/n1/boot_device', carol, { bootdev: 'floppy' })).toMatchObject({ status: 400, body: { type: 'BadArgumentError' } });
    // A free node's BMC is for administrators only.
    expect(await call('GET', '/node/n2/power_status', carol)).toMatchObject({ status: 401, body: { type: 'AuthorizationError' } });
  });

  it('answers a BMC that refuses the credentials with OBMError', async () => {
    expect((await call('PUT', '/node/n3', admin(), { obm: { type: 'ipmi', host: '127.0.0.1', port: bmc.port, user: bmc.username, password: 'Wrong-Pw-1' } })).status).toBe(200);
    const refused = await call('GET', '/node/n3/power_status', admin());
    expect(refused).toMatchObject({ status: 500, body: { type: 'OBMError' } });
    expect(JSON.stringify(refused.body)).not.toContain('Wrong-Pw-1');
  });

  it('manages network access as HIL: owner grants, the project itself may give it up', async () => {
    expect((await call('PUT', '/network/net2/access/p2', carol)).status).toBe(200);
    expect(await call('PUT', '/network/net2/access/p2', carol)).toMatchObject({ status: 409, body: { type: 'DuplicateError' } });
    expect((await call('GET', '/network/net2', carol)).body).toMatchObject({ access: ['p1', 'p2'] });
    expect(await call('DELETE', '/network/net2/access/p1', carol)).toEqual({
      status: 409, body: { type: 'BlockedError', msg: 'Project p1 is owner of network net2 and its access cannot be removed' },
    });
    expect((await call('DELETE', '/network/net2/access/p2', carol)).status).toBe(200);
    expect(await call('DELETE', '/network/net2/access/p2', carol)).toMatchObject({ status: 404, body: { type: 'NotFoundError' } });
  });

  it('authenticates users by bearer token too, and keeps administrators from changing their own flag', async () => {
    const token = await createApiToken(t.db, 'carol', 'test');
    expect((await call('GET', '/project/p1/nodes', `Bearer ${token}`)).body).toEqual(['n1']);
    expect(await call('GET', '/project/p1/nodes', 'Bearer not-a-token')).toMatchObject({ status: 401 });
    expect(await call('GET', '/project/p1/nodes', basic('carol', 'wrong'))).toMatchObject({ status: 401 });
    expect((await call('PUT', '/auth/basic/user/dave', admin(), { password: 'dave-pw-1234', is_admin: true })).status).toBe(200);
    const dave = basic('dave', 'dave-pw-1234');
    expect(await call('PATCH', '/auth/basic/user/dave', dave, { is_admin: false })).toEqual({ status: 409, body: { type: 'IllegalStateError', msg: 'Cannot set own admin status' } });
    expect((await call('PATCH', '/auth/basic/user/carol', dave, { is_admin: false })).status).toBe(200);
    expect((await call('GET', '/auth/basic/users', dave)).body).toEqual({ carol: { is_admin: false, projects: ['p1'] }, dave: { is_admin: true, projects: [] } });
    expect(await call('POST', '/auth/basic/user/carol/remove_project', dave, { project: 'p2' })).toMatchObject({ status: 404 });
  });

  it('names bad bodies without echoing them', async () => {
    expect(await call('PUT', '/switch/sw9', admin(), `{"type": "nxos", "password": "${SWITCH_PASSWORD}"`)).toEqual({
      status: 400, body: { type: 'BadArgumentError', msg: 'the request body is not valid JSON' },
    });
    expect(await call('PUT', '/node/n9', admin(), { obm: { type: 'ipmi', host: '192.0.2.1', user: 'u', password: 42 } })).toEqual({
      status: 400, body: { type: 'BadArgumentError', msg: 'invalid request body: obm.password: Invalid input: expected string, received number' },
    });
    expect(await call('PUT', '/switch/sw9', admin(), { type: 'cisco', hostname: 'x', password: SWITCH_PASSWORD })).toMatchObject({ status: 400, body: { type: 'BadArgumentError' } });
    expect(await call('PUT', '/switch/sw1/port/-bad', admin())).toMatchObject({ status: 400, body: { type: 'BadArgumentError' } });
    expect(await call('GET', '/no/such/call', admin())).toMatchObject({ status: 404, body: { type: 'NotFoundError' } });
  });

  it('shows no credential in any answer, in the log, or in the database in clear', async () => {
    for (const url of ['/switches', '/switch/sw1', '/switch/sw1/port/Ethernet1/7', '/node/n1', '/node/n3', '/nodes/all', '/networks', '/auth/basic/users', '/projects']) {
      expect((await call('GET', url, admin())).status, url).toBe(200);
    }
    const everything = [...answers, ...hil.logs].join('\n');
    expect(answers.length).toBeGreaterThan(50);
    for (const secret of [BMC_PASSWORD, SWITCH_PASSWORD, USER_PASSWORD, 'dave-pw-1234', 'Wrong-Pw-1', hil.adminToken]) expect(everything).not.toContain(secret);
    const stored = await t.db.selectFrom('credentials').select(['name', 'ciphertext']).orderBy('name').execute();
    expect(stored.map((c) => c.name)).toEqual(['bmc/n1', 'bmc/n2', 'bmc/n3', 'switch/sw1']);
    for (const c of stored) expect(c.ciphertext.toString('latin1')).not.toMatch(/Pw-/);
  });
});
