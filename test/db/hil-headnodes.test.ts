/**
 * HIL's 11 headnode calls, with the bodies HIL's CLI sends (hil-clients.md §7: `{}` for the
 * bodiless POSTs and PUTs), on the libvirt headnode driver against a session libvirtd: the VM
 * exists with one NIC per hnic on its network's VLAN, and deleting it leaves nothing in libvirtd.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, setVlanPool } from '../../db/labs';
import { LibvirtHeadnodes } from '../../drivers/headnode/libvirt';
import { startLibvirtd, type Libvirtd } from '../../sim/counterparts/libvirtd';
import { basic, buildHilApp, type HilApp } from './helpers/hil-app';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

const run = promisify(execFile);
const ERIN = basic('erin', 'erin-hn-pw-77');
let t: TempDatabase;
let hil: HilApp;
let libvirtd: Libvirtd;
let dir: string;

async function call(method: string, url: string, auth: string, body?: unknown) {
  const response = await hil.app.inject({ method: method as 'GET', url: `/v0${url}`, headers: { authorization: auth }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  return { status: response.statusCode, body: response.body ? (JSON.parse(response.body) as unknown) : undefined };
}
const admin = () => `Bearer ${hil.adminToken}`;
const virsh = async (...args: string[]) => (await run('virsh', ['-q', '-c', libvirtd.testUri, ...args])).stdout;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laas-hil-hn-'));
  await mkdir(join(dir, 'images'));
  await mkdir(join(dir, 'overlays'));
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'images', 'centos7.qcow2'), '16M']);
  [t, libvirtd] = await Promise.all([createTempDatabase(), startLibvirtd()]);
  const driver = new LibvirtHeadnodes({
    uri: libvirtd.testUri, domainType: 'test', imageDir: join(dir, 'images'), overlayDir: join(dir, 'overlays'), fabric: { kind: 'openvswitch', bridge: 'br-lab' }, timeoutMs: 20_000,
  });
  // The worker's headnode activity on this driver, in this process; hil-lifecycle.test.ts goes through a real worker.
  hil = await buildHilApp(t, { worker: { headnode: driver } });
  await setVlanPool(t.db, (await ensureLab(t.db, 'hil-lab')).id, [1200, 1201]);
  for (const [m, u, b] of [
    ['PUT', '/project/hp'],
    ['PUT', '/project/other'],
    ['PUT', '/auth/basic/user/erin', { password: 'erin-hn-pw-77', is_admin: false }],
    ['POST', '/auth/basic/user/erin/add_project', { project: 'hp' }],
    ['PUT', '/network/hpnet', { owner: 'hp', access: 'hp', net_id: '' }],
    ['PUT', '/network/hpnet2', { owner: 'hp', access: 'hp', net_id: '' }],
    ['PUT', '/network/fixed', { owner: 'admin', access: 'hp', net_id: '3400' }],
  ] as [string, string, unknown?][]) expect((await call(m, u, admin(), b)).status, `${m} ${u}`).toBe(200);
});
afterAll(async () => {
  await hil?.app.close();
  await libvirtd?.stop();
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("HIL's headnode calls on libvirt", () => {
  it('creates, wires, starts, stops and deletes a headnode, with HIL errors on the way', async () => {
    expect(await call('GET', '/headnode_images', ERIN)).toEqual({ status: 200, body: ['centos7'] });
    expect(await call('GET', '/headnode_images/', ERIN)).toEqual({ status: 200, body: ['centos7'] });
    expect(await call('PUT', '/headnode/hn1', ERIN, { project: 'hp', base_img: 'windows' })).toEqual({ status: 400, body: { type: 'BadArgumentError', msg: 'Provided image is not a valid image.' } });
    expect(await call('PUT', '/headnode/hn1', ERIN, { project: 'hp', base_img: 'centos7' })).toEqual({ status: 200, body: undefined });
    expect(await call('PUT', '/headnode/hn1', ERIN, { project: 'hp', base_img: 'centos7' })).toEqual({ status: 409, body: { type: 'DuplicateError', msg: 'Headnode hn1 already exists.' } });
    expect(await call('PUT', '/headnode/hn9', ERIN, { project: 'other', base_img: 'centos7' })).toMatchObject({ status: 401, body: { type: 'AuthorizationError' } });
    expect(await call('GET', '/project/hp/headnodes', ERIN)).toEqual({ status: 200, body: ['hn1'] });
    for (const nic of ['eth0', 'eth1']) expect(await call('PUT', `/headnode/hn1/hnic/${nic}`, ERIN, {})).toEqual({ status: 200, body: undefined });
    expect(await call('PUT', '/headnode/hn1/hnic/eth0', ERIN, {})).toMatchObject({ status: 409, body: { type: 'DuplicateError' } });
    expect(await call('POST', '/headnode/hn1/hnic/eth0/connect_network', ERIN, { network: 'fixed' })).toEqual({
      status: 400, body: { type: 'BadArgumentError', msg: 'Headnodes may only be connected to networks allocated by the project.' },
    });
    expect(await call('POST', '/headnode/hn1/hnic/eth0/connect_network', ERIN, { network: 'hpnet' })).toEqual({ status: 200, body: undefined });
    expect(await call('POST', '/headnode/hn1/hnic/eth1/connect_network', ERIN, { network: 'hpnet2' })).toEqual({ status: 200, body: undefined });
    expect(await call('DELETE', '/network/hpnet', ERIN)).toEqual({ status: 409, body: { type: 'BlockedError', msg: 'Network still connected to headnodes' } });
    expect(await call('DELETE', '/project/hp', admin())).toEqual({ status: 409, body: { type: 'BlockedError', msg: 'Project still has a headnode' } });

    expect(await call('POST', '/headnode/hn1/start', ERIN, {})).toEqual({ status: 200, body: undefined });
    expect((await virsh('domstate', 'hil-hn1')).trim()).toBe('running');
    // One interface per hnic, tagged with its network's VLAN (hpnet got 1200 from the pool, hpnet2 1201).
    const xml = await virsh('dumpxml', 'hil-hn1');
    expect([...xml.matchAll(/<tag id='(\d+)'/g)].map((m) => m[1])).toEqual(['1200', '1201']);
    const shown = await call('GET', '/headnode/hn1', ERIN);
    expect(shown).toMatchObject({ status: 200, body: { name: 'hn1', project: 'hp', hnics: ['eth0', 'eth1'], base_img: 'centos7' } });
    expect((shown.body as { uuid: string }).uuid).toMatch(/^[0-9a-f-]{36}$/);
    // Started means frozen.
    expect(await call('PUT', '/headnode/hn1/hnic/eth2', ERIN, {})).toMatchObject({ status: 409, body: { type: 'IllegalStateError' } });
    expect(await call('POST', '/headnode/hn1/hnic/eth0/detach_network', ERIN, {})).toMatchObject({ status: 409, body: { type: 'IllegalStateError' } });

    expect(await call('POST', '/headnode/hn1/stop', ERIN, {})).toEqual({ status: 200, body: undefined });
    expect((await virsh('domstate', 'hil-hn1')).trim()).toBe('shut off');
    expect(await call('DELETE', '/headnode/hn1', ERIN)).toEqual({ status: 200, body: undefined });
    // Only libvirt's own sample domain of the test driver is left.
    expect((await virsh('list', '--all', '--name')).split('\n').filter(Boolean)).toEqual(['test']);
    expect(await readdir(join(dir, 'overlays'))).toEqual([]);
    expect(await call('GET', '/headnode/hn1', ERIN)).toEqual({ status: 404, body: { type: 'NotFoundError', msg: 'Headnode hn1 does not exist.' } });
    expect(await call('DELETE', '/network/hpnet', ERIN)).toEqual({ status: 200, body: undefined });
  });
});
