/**
 * The authorization matrix: every HIL route, called by an anonymous caller, a
 * member of another project, a member of the project concerned and an
 * administrator (in that order, so the last allowed caller's change is the one
 * that sticks), gets the status HIL prescribes. 401 is HIL's AuthorizationError;
 * anything else means the caller got past authorization.
 */
import { openSimConsole } from '../../drivers/console/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, setVlanPool } from '../../db/labs';
import { finishNetworkAction, requestConnectNetwork } from '../../db/network-actions';
import { addUserToProject, createApiToken, createUser } from '../../db/users';
import { IpmitoolPower } from '../../drivers/power/ipmitool';
import { startIpmiSim, type IpmiSim } from '../../sim/counterparts/ipmi-sim';
import { buildHilApp, type HilApp } from './helpers/hil-app';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

// Consoles of the simulated lab's kind for every node: these tests are about who may call, not about SOL (test/api/hil-console.test.ts).
const simConsoles = { open: (_type: string, bmc: { host: string }) => openSimConsole(bmc.host) };

type Expect = [other: number, member: number, admin: number];
type Row = [method: string, url: string | (() => string), body: unknown, expect: Expect];

const A: Expect = [401, 401, 200]; // administrators only
const P: Expect = [401, 200, 200]; // the project's members and administrators
const ANY: Expect = [200, 200, 200]; // any authenticated caller

describe('HIL authorization matrix', () => {
  let t: TempDatabase;
  let hil: HilApp;
  let bmc: IpmiSim;
  const tokens = { other: '', member: '', admin: '' };
  let pendingAction = '';

  async function call(method: string, url: string, token: string | null, body?: unknown) {
    const response = await hil.app.inject({
      method: method as 'GET',
      url: `/v0${url}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: response.statusCode, body: response.body };
  }

  beforeAll(async () => {
    [t, bmc] = await Promise.all([createTempDatabase(), startIpmiSim({ password: 'MatrixPw-1' })]);
    const power = new IpmitoolPower({ timeoutMs: 10_000 });
    // Consoles of the simulated lab's kind: the matrix is about who may call, not about SOL (hil-console.test.ts).
    hil = await buildHilApp(t, { power: () => power, worker: { console: simConsoles } });
    tokens.admin = hil.adminToken;
    await setVlanPool(t.db, (await ensureLab(t.db, 'hil-lab')).id, [2000, 2001, 2002, 2003, 2004]);
    const obm = { type: 'ipmi', host: '127.0.0.1', port: bmc.port, user: bmc.username, password: 'MatrixPw-1' };
    const setup: [string, string, unknown?][] = [
      ['PUT', '/project/own'], ['PUT', '/project/other'], ['PUT', '/project/delme'],
      ['PUT', '/switch/sw', { type: 'nxos', hostname: '192.0.2.1', username: 'u', password: 'sw-pw-123' }], ['PUT', '/switch/sw-del', { type: 'sim' }],
      ...['Ethernet1/1', 'Ethernet1/2', 'Ethernet1/3', 'Ethernet1/4', 'Ethernet1/5', 'Ethernet1/8'].map((p): [string, string] => ['PUT', `/switch/sw/port/${p}`]),
      ['PUT', '/node/n-own', { obm, metadata: { owner: 'own' } }], ['PUT', '/node/n-free', { obm }], ['PUT', '/node/n-spare', { obm }], ['PUT', '/node/n-del', { obm }],
      ...[['n-own', 'eth0'], ['n-own', 'eth1'], ['n-own', 'eth5'], ['n-free', 'eth2'], ['n-free', 'eth3'], ['n-free', 'eth8']].map(([n, nic], i): [string, string, unknown] => [
        'PUT', `/node/${n}/nic/${nic}`, { macaddr: `52:54:00:00:00:0${i}` },
      ]),
      ['POST', '/switch/sw/port/Ethernet1/1/connect_nic', { node: 'n-own', nic: 'eth0' }],
      ['POST', '/switch/sw/port/Ethernet1/4/connect_nic', { node: 'n-own', nic: 'eth1' }],
      ['POST', '/switch/sw/port/Ethernet1/5/connect_nic', { node: 'n-own', nic: 'eth5' }],
      ['POST', '/switch/sw/port/Ethernet1/3/connect_nic', { node: 'n-free', nic: 'eth3' }],
      ['POST', '/project/own/connect_node', { node: 'n-own' }],
      ['PUT', '/network/net-own', { owner: 'own', access: 'own', net_id: '' }],
      ['PUT', '/network/del-own', { owner: 'own', access: 'own', net_id: '' }],
      ['PUT', '/network/net-pub', { owner: 'admin', access: '', net_id: '3001' }],
      ['PUT', '/network/net-adm', { owner: 'admin', access: 'other', net_id: '3002' }],
      ['PUT', '/network/del-adm', { owner: 'admin', access: '', net_id: '3003' }],
    ];
    for (const [method, url, body] of setup) expect((await call(method, url, tokens.admin, body)).status, `${method} ${url}`).toBe(200);
    // Token-only users: the matrix authenticates with bearer tokens (Basic is covered by the curl walk-through).
    for (const [user, project] of [['mia', 'own'], ['otto', 'other'], ['uma', null], ['delu', null], ['uma2', 'other']] as const) {
      await createUser(t.db, user, null);
      if (project) await addUserToProject(t.db, user, project);
    }
    // eth1 is on net-own already, so that detach_network has something to detach.
    await finishNetworkAction(t.db, await requestConnectNetwork(t.db, { node: 'n-own', nic: 'eth1', network: 'net-own' }), { ok: true });
    tokens.member = await createApiToken(t.db, 'mia');
    tokens.other = await createApiToken(t.db, 'otto');
  });
  afterAll(async () => {
    await hil?.app.close();
    await bmc?.stop();
    await t?.drop();
  });

  const obm = () => ({ obm: { type: 'ipmi', host: '192.0.2.50', user: 'u', password: 'new-node-pw' } });
  const rows: Row[] = [
    ['GET', '/projects', undefined, A],
    ['PUT', '/project/newp', undefined, A],
    ['DELETE', '/project/delme', undefined, A],
    ['POST', '/project/own/connect_node', { node: 'n-spare' }, [401, 200, 409]],
    ['POST', '/project/own/detach_node', { node: 'n-spare' }, [401, 200, 404]],
    ['GET', '/project/own/nodes', undefined, P],
    ['GET', '/project/own/networks', undefined, P],
    ['GET', '/nodes/all', undefined, ANY],
    ['GET', '/nodes/free', undefined, ANY],
    ['PUT', '/node/n-new', obm(), A],
    ['GET', '/node/n-own', undefined, P],
    ['GET', '/node/n-free', undefined, ANY],
    ['DELETE', '/node/n-del', undefined, A],
    ['PUT', '/node/n-free/nic/eth9', { macaddr: '52:54:00:00:00:99' }, A],
    ['DELETE', '/node/n-free/nic/eth8', undefined, A],
    ['PUT', '/node/n-own/metadata/rack', { value: 'B3' }, A],
    ['DELETE', '/node/n-own/metadata/owner', undefined, [401, 401, 200]],
    ['POST', '/node/n-own/nic/eth0/connect_network', { network: 'net-own' }, [401, 202, 409]],
    ['GET', () => `/networking_action/${pendingAction}`, undefined, ANY],
    ['POST', '/node/n-own/nic/eth1/detach_network', { network: 'net-own' }, [401, 202, 409]],
    ['POST', '/node/n-own/power_on', undefined, P],
    ['POST', '/node/n-own/power_off', undefined, P],
    ['POST', '/node/n-own/power_cycle', { force: true }, P],
    ['GET', '/node/n-own/power_status', undefined, P],
    ['PUT', '/node/n-own/boot_device', { bootdev: 'pxe' }, P],
    ['GET', '/node/n-free/power_status', undefined, A],
    ['PUT', '/node/n-own/obm', { enabled: true }, P],
    ['PUT', '/node/n-own/console', undefined, P],
    ['GET', '/node/n-own/console', undefined, P],
    ['DELETE', '/node/n-own/console', undefined, P],
    ['GET', '/networks', undefined, ANY],
    ['PUT', '/network/m-net', { owner: 'own', access: 'own', net_id: '' }, [401, 200, 409]],
    ['PUT', '/network/a-net', { owner: 'admin', access: '', net_id: '' }, A],
    ['GET', '/network/net-own', undefined, P],
    ['GET', '/network/net-pub', undefined, ANY],
    ['DELETE', '/network/del-own', undefined, [401, 200, 404]],
    ['DELETE', '/network/del-adm', undefined, A],
    ['GET', '/network/net-own/attachments', undefined, P],
    ['PUT', '/network/net-own/access/other', undefined, [401, 200, 409]],
    // The project on the access list may give its own access up; after that nobody but an administrator gets past.
    ['DELETE', '/network/net-adm/access/other', undefined, [200, 401, 404]],
    ['GET', '/switches', undefined, A],
    ['PUT', '/switch/sw-new', { type: 'sim' }, A],
    ['GET', '/switch/sw', undefined, A],
    ['DELETE', '/switch/sw-del', undefined, A],
    ['PUT', '/switch/sw/port/Ethernet1/9', undefined, A],
    ['GET', '/switch/sw/port/Ethernet1/1', undefined, A],
    ['DELETE', '/switch/sw/port/Ethernet1/8', undefined, A],
    ['POST', '/switch/sw/port/Ethernet1/2/connect_nic', { node: 'n-free', nic: 'eth2' }, A],
    ['POST', '/switch/sw/port/Ethernet1/3/detach_nic', undefined, A],
    ['POST', '/switch/sw/port/Ethernet1/5/revert', undefined, [401, 401, 202]],
    ['GET', '/active_extensions', undefined, A],
    ['PUT', '/switch/ovs-hil', { type: 'http://schema.massopencloud.org/haas/v0/switches/ovs', ovs_bridge: 'br-hil' }, A],
    ['GET', '/auth/basic/users', undefined, A],
    ['GET', '/auth/basic/user', undefined, A],
    ['PUT', '/auth/basic/user/newu', { password: 'newu-pw-12345' }, A],
    ['DELETE', '/auth/basic/user/delu', undefined, A],
    ['PATCH', '/auth/basic/user/uma', { is_admin: false }, A],
    ['POST', '/auth/basic/user/uma/add_project', { project: 'own' }, A],
    ['POST', '/auth/basic/user/uma2/remove_project', { project: 'other' }, A],
  ];

  it('gives each caller what HIL prescribes on every route', async () => {
    const seen: string[] = [];
    const wanted: string[] = [];
    for (const [method, url, body, [other, member, admin]] of rows) {
      const path = () => (typeof url === 'function' ? url() : url);
      const anon = await call(method, path(), null, body);
      const got = [anon.status];
      for (const who of ['other', 'member', 'admin'] as const) {
        const answer = await call(method, path(), tokens[who], body);
        got.push(answer.status);
        if (answer.status === 202 && !pendingAction) pendingAction = (JSON.parse(answer.body) as { status_id: string }).status_id;
        if (answer.status === 401) expect(JSON.parse(answer.body)).toMatchObject({ type: 'AuthorizationError' });
      }
      seen.push(`${method} ${path()}: ${got.join(' ')}`);
      wanted.push(`${method} ${path()}: 401 ${other} ${member} ${admin}`);
    }
    expect(seen).toEqual(wanted);
    // Every route the plugin serves was in the matrix.
    // Headnode calls need a hypervisor: who may call them is checked in hil-headnodes.test.ts.
    expect([...hil.routes].filter((r) => !hil.hits.has(r) && !/headnode/.test(r))).toEqual([]);
  });

  it('shows non-administrators the public networks only', async () => {
    const forMember = JSON.parse((await call('GET', '/networks', tokens.member)).body) as Record<string, unknown>;
    const forAdmin = JSON.parse((await call('GET', '/networks', tokens.admin)).body) as Record<string, unknown>;
    expect(Object.keys(forMember).sort()).toEqual(['a-net', 'net-pub']);
    expect(Object.keys(forAdmin).sort()).toEqual(['a-net', 'm-net', 'net-adm', 'net-own', 'net-pub']);
  });
});
