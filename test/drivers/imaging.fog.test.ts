/**
 * The FOG imaging driver against the FOG simulator (sim/fog), which follows
 * fog-api.md: the shared conformance suite, then what is particular to FOG's API.
 */
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import { FogApiDisabled, FogImaging } from '../../drivers/imaging/fog';
import { fogInt, fogPercent, fogTimeMs } from '../../drivers/imaging/fog-values';
import { FogTaskFailed, FogUnreachable } from '../../drivers/imaging/imaging';
import { FogSimulator } from '../../sim/fog/fog-sim';
import { imagingConformance, type ImagingRig } from './imaging.conformance';

let sim: FogSimulator;
let rig: ImagingRig;
let images: { ubuntu: number; rocky: number };
let hostSeq = 0;

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const driverFor = (sim: FogSimulator, extra: Partial<ConstructorParameters<typeof FogImaging>[0]> = {}): FogImaging =>
  new FogImaging({ baseUrl: sim.url, apiToken: sim.credentials.apiToken, userToken: sim.credentials.userToken, requestTimeoutMs: 2000, ...extra });

const newHost = (): string => sim.addHost(`fog-node${String(++hostSeq).padStart(3, '0')}`, { macs: ['52:54:00:cc:00:01'] }).name;

beforeAll(async () => {
  sim = await FogSimulator.start({ apiToken: 'raw-api-token-xyz', userToken: 'raw-user-token-xyz' });
  sim.setTiming({ queuedMs: 20, checkInMs: 20, imagingMs: 300 });
  images = { ubuntu: sim.addImage('ubuntu-22.04').id, rocky: sim.addImage('rocky-9').id };
  const deadPort = await freeTcpPort();
  rig = {
    driver: driverFor(sim),
    driverWithWrongCredentials: driverFor(sim, { userToken: Buffer.from('stolen-token').toString('base64') }),
    unreachableDriver: driverFor(sim, { baseUrl: `http://127.0.0.1:${deadPort}/fog` }),
    secrets: ['raw-api-token-xyz', 'raw-user-token-xyz', sim.credentials.apiToken, sim.credentials.userToken],
    imageId: String(images.ubuntu),
    otherImageId: String(images.rocky),
    unknownImageId: '4242',
    newHost,
    imageOf: (host) => String(sim.host(host)?.imageId),
    openTaskCount: (host) => sim.tasks(host).filter((t) => t.stateID <= 3).length,
    fate: (host, fate) => sim.setTaskFate(host, fate),
    failNext: (n) => sim.setFaults({ failNext: n }),
    failAll: (on) => sim.setFaults({ failAll: on }),
  };
});

afterAll(async () => {
  await sim?.stop();
});

afterEach(() => {
  sim.clearFaults();
});

imagingConformance('FOG against the FOG simulator', () => rig, { pollMs: 10, deployMs: 2000 });

describe('FOG imaging driver', () => {
  it('speaks the API as documented: find host, check tasks and image, set image, create task, find its id', async () => {
    const host = newHost();
    const id = sim.host(host)?.id;
    const from = sim.requests.length;
    const taskId = await rig.driver.startDeploy(host, String(images.rocky));
    const calls = sim.requests.slice(from).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(calls).toEqual([
      'GET /fog/host 200',
      'GET /fog/task/current 200',
      `GET /fog/image/${images.rocky} 200`,
      `PUT /fog/host/${id}/edit 200`,
      `POST /fog/host/${id}/task 200`,
      'GET /fog/task/current 200',
    ]);
    const sent = sim.requests.slice(from);
    expect(sent[0]?.body).toEqual({ name: host });
    expect(sent[3]?.body).toEqual({ imageID: images.rocky });
    expect(sent[4]?.body).toMatchObject({ taskTypeID: 1, wol: true, shutdown: false, debug: false, deploySnapins: false });
    expect(sim.tasks(host).map((t) => String(t.id))).toEqual([taskId]);
  });

  it('recentDeploy lists the host’s deploys of the image with all their states, as the API documents', async () => {
    const host = newHost();
    const id = sim.host(host)?.id;
    const taskId = await rig.driver.startDeploy(host, String(images.ubuntu));
    const from = sim.requests.length;
    expect(await rig.driver.recentDeploy(host, String(images.ubuntu), Date.now() - 1000)).toMatchObject({ taskId });
    const sent = sim.requests.slice(from);
    expect(sent.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /fog/host 200', 'GET /fog/task 200']);
    expect(sent[1]?.body).toEqual({ hostID: id, typeID: 1, imageID: images.ubuntu });
  });

  it('recentDeploy ignores a deploy created before the time asked, beyond a little clock skew', async () => {
    const host = newHost();
    const since = Date.now();
    const taskId = await rig.driver.startDeploy(host, String(images.ubuntu));
    sim.backdateTask(Number(taskId), 20_000);
    expect(await rig.driver.recentDeploy(host, String(images.ubuntu), since)).toMatchObject({ taskId });
    sim.backdateTask(Number(taskId), 60_000);
    expect(await rig.driver.recentDeploy(host, String(images.ubuntu), since)).toBeUndefined();
  });

  it('recentDeploy reads FOG’s times in the time zone FOG writes them in', async () => {
    // Kolkata is UTC+5:30: read as UTC, a deploy made now looks hours ahead, and hours-old ones look recent.
    const kolkata = await FogSimulator.start({ timeZone: 'Asia/Kolkata' });
    try {
      const image = String(kolkata.addImage('ubuntu-22.04').id);
      kolkata.addHost('tz-node', { macs: ['52:54:00:cc:00:02'] });
      const driver = (timeZone?: string) =>
        new FogImaging({ baseUrl: kolkata.url, apiToken: kolkata.credentials.apiToken, userToken: kolkata.credentials.userToken, timeZone });
      const since = Date.now();
      const taskId = await driver('Asia/Kolkata').startDeploy('tz-node', image);
      expect(kolkata.tasks('tz-node')).toHaveLength(1);
      expect(await driver('Asia/Kolkata').recentDeploy('tz-node', image, since)).toMatchObject({ taskId, state: 'queued' });
      expect(await driver('Asia/Kolkata').recentDeploy('tz-node', image, since + 10 * 60_000)).toBeUndefined();
      // A driver told the wrong zone sees a deploy from the future, which it does not trust to be the step's.
      expect(await driver().recentDeploy('tz-node', image, since)).toBeUndefined();
    } finally {
      await kolkata.stop();
    }
  });

  it('reads numbers whether FOG sends them as strings or as numbers', () => {
    expect([fogInt('3'), fogInt(3), fogInt(' 12 '), fogInt('x'), fogInt(3.5)]).toEqual([3, 3, 12, undefined, undefined]);
    expect([fogPercent('42'), fogPercent(42), fogPercent('42.7'), fogPercent('150'), fogPercent(null)]).toEqual([42, 42, 42, 100, 0]);
  });

  it('reads FOG’s zone-less times in the zone it is told, across a DST change, and not the zero date', () => {
    expect(fogTimeMs('2024-05-01 13:45:07', 'UTC')).toBe(Date.UTC(2024, 4, 1, 13, 45, 7));
    expect(fogTimeMs('2024-05-01 13:45:07', 'Europe/Berlin')).toBe(Date.UTC(2024, 4, 1, 11, 45, 7));
    expect(fogTimeMs('2024-01-01 13:45:07', 'Europe/Berlin')).toBe(Date.UTC(2024, 0, 1, 12, 45, 7));
    expect(fogTimeMs('2024-03-31 03:30:00', 'Europe/Berlin')).toBe(Date.UTC(2024, 2, 31, 1, 30, 0));
    expect([fogTimeMs('0000-00-00 00:00:00', 'UTC'), fogTimeMs('yesterday', 'UTC'), fogTimeMs(1714571107, 'UTC')]).toEqual([undefined, undefined, undefined]);
  });

  it('a server with its API disabled is reported as such, not as a bad token', async () => {
    sim.setFaults({ apiEnabled: false });
    const err = await rig.driver.startDeploy(newHost(), String(images.ubuntu)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FogApiDisabled);
    expect((err as FogApiDisabled).retryable).toBe(false);
  });

  it('"Failed to create task" is a retryable task failure', async () => {
    sim.setFaults({ createTaskError: 'Failed to create task' });
    const err = await rig.driver.startDeploy(newHost(), String(images.ubuntu)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FogTaskFailed);
    expect((err as FogTaskFailed).message).toContain('Failed to create task');
    expect((err as FogTaskFailed).retryable).toBe(true);
  });

  it('a disabled image is refused before the host is touched', async () => {
    const disabled = sim.addImage('retired-image', { isEnabled: false });
    const host = newHost();
    await expect(rig.driver.startDeploy(host, String(disabled.id))).rejects.toBeInstanceOf(InvalidInput);
    expect(sim.host(host)?.imageId).toBe(0);
  });

  it('cancelTasks works with releases that answered 200 to a cancel with nothing to cancel', async () => {
    sim.setFaults({ legacyCancel: true });
    const host = newHost();
    await rig.driver.cancelTasks(host);
    const taskId = await rig.driver.startDeploy(host, String(images.ubuntu));
    await rig.driver.cancelTasks(host);
    expect((await rig.driver.taskStatus(taskId)).state).toBe('cancelled');
  });

  it('a response slower than the request bound is FogUnreachable', async () => {
    sim.setFaults({ latencyMs: 500 });
    const impatient = driverFor(sim, { requestTimeoutMs: 100 });
    const err = await impatient.taskStatus('1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FogUnreachable);
    expect((err as Error).message).toContain('no answer in time');
  });

  it('checks its configuration', () => {
    expect(() => driverFor(sim, { timeZone: 'Mars/Olympus_Mons' })).toThrow(/FOG time zone/);
    expect(() => driverFor(sim, { timeZone: 'Europe/Berlin' })).not.toThrow();
    expect(() => driverFor(sim, { baseUrl: 'ftp://fog/fog' })).toThrow(InvalidInput);
    expect(() => driverFor(sim, { apiToken: 'not base64!\r\nX-Evil: 1' })).toThrow(/FOG API token/);
    expect(() => driverFor(sim, { apiToken: 'not base64!\r\nX-Evil: 1' })).not.toThrow(/X-Evil/);
  });
});
