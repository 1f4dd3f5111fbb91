// The imaging step retried after its worker died: it follows the deploy the earlier attempt
// started instead of deploying and power-cycling the host again (which would restart an image
// half written). On the simulated lab, then on the FOG simulator through the real FOG driver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledFailure } from '@temporalio/common';
import type { ImagingProgress } from '../../activities/imaging';
import { FogImaging } from '../../drivers/imaging/fog';
import { FogSimulator } from '../../sim/fog/fog-sim';
import { activityEnv, journalSince, rejection, simActivities, type ActivityRun, type Beat } from './activities-support';

const bmc = (host: string) => ({ host, address: 'sim', port: 623, username: 'u', password: 'p' });
const progressOf = (beats: Beat[]): Partial<ImagingProgress>[] => beats.map((b) => (b.details ?? {}) as Partial<ImagingProgress>);

describe('imaging on the simulated lab', () => {
  it('heartbeats the task id as soon as the deploy exists, before the power cycle', async () => {
    const lab = simActivities({ imagingMs: 300, timing: { imagingPollMs: 20 } });
    const { beats, run: runIn } = activityEnv(lab.simLab);
    const done = await runIn(() => lab.activities.imageHost({ host: 'sim-01', image: 'ubuntu-22.04' }));
    expect(journalSince(lab.simLab)).toEqual(['imaging.deploy sim-01 1', 'power.on sim-01 cycle']);
    const cycledAt = 2;
    const first = beats.find((b) => (b.details as ImagingProgress | undefined)?.taskId === done.taskId)!;
    expect(first.details).toEqual({ taskId: done.taskId, percent: 0, powerCycled: false });
    expect(first.ops).toBeLessThan(cycledAt);
    expect(progressOf(beats).at(-1)).toEqual({ taskId: done.taskId, percent: 100, powerCycled: true });
  });

  it('a retry of an attempt that was following its task resumes it: no second deploy, no second power cycle', async () => {
    const lab = simActivities({ imagingMs: 400, timing: { imagingPollMs: 20 } });
    const { imaging, power } = lab.deps.drivers;
    const taskId = await imaging.startDeploy('sim-02', '1');
    await power.cycle(bmc('sim-02'));
    const from = lab.simLab.journal.length;
    const { beats, run: runIn } = activityEnv(lab.simLab, { attempt: 2, heartbeatDetails: { taskId, percent: 10 } satisfies ImagingProgress });
    const done = await runIn(() => lab.activities.imageHost({ host: 'sim-02', image: 'ubuntu-22.04' }));
    expect(done).toEqual({ attempt: 2, taskId });
    expect(journalSince(lab.simLab, from)).toEqual([]);
    expect([...lab.simLab.imagingTasks.values()].map((t) => [t.id, t.state])).toEqual([[taskId, 'complete']]);
    // The first beat keeps the earlier attempt's task, so a retry of this attempt finds it too.
    expect(beats[0]?.details).toEqual({ taskId, percent: 10, powerCycled: true });
  });

  it('a retry of an attempt killed between deploy and power cycle power-cycles once and deploys nothing new', async () => {
    const lab = simActivities({ imagingMs: 200, timing: { imagingPollMs: 20 } });
    const taskId = await lab.deps.drivers.imaging.startDeploy('sim-03', '1');
    const from = lab.simLab.journal.length;
    const { run: runIn } = activityEnv(lab.simLab, { attempt: 2, heartbeatDetails: { taskId, percent: 0, powerCycled: false } satisfies ImagingProgress });
    await runIn(() => lab.activities.imageHost({ host: 'sim-03', image: 'ubuntu-22.04' }));
    expect(journalSince(lab.simLab, from)).toEqual(['power.on sim-03 cycle']);
    expect(lab.simLab.imagingTasks.size).toBe(1);
  });

  it('a retry whose earlier heartbeat never arrived finds the open deploy, and leaves a host already imaging alone', async () => {
    const lab = simActivities({ imagingMs: 400, timing: { imagingPollMs: 20 } });
    const { imaging, power } = lab.deps.drivers;
    const taskId = await imaging.startDeploy('sim-04', '1');
    await power.cycle(bmc('sim-04'));
    const from = lab.simLab.journal.length;
    const { run: runIn } = activityEnv(lab.simLab, { attempt: 2 });
    const done = await runIn(() => lab.activities.imageHost({ host: 'sim-04', image: 'ubuntu-22.04' }));
    expect(done.taskId).toBe(taskId);
    expect(journalSince(lab.simLab, from)).toEqual([]);
  });

  it('a retry whose earlier attempt’s deploy completed unannounced is done: no new deploy, no power cycle', async () => {
    const lab = simActivities({ imagingMs: 50, timing: { imagingPollMs: 20 } });
    const { imaging, power } = lab.deps.drivers;
    const scheduledTimestampMs = Date.now();
    const taskId = await imaging.startDeploy('sim-03', '1');
    await power.cycle(bmc('sim-03'));
    await new Promise((r) => setTimeout(r, 100));
    const from = lab.simLab.journal.length;
    const { run: runIn } = activityEnv(lab.simLab, { attempt: 2, scheduledTimestampMs });
    expect(await runIn(() => lab.activities.imageHost({ host: 'sim-03', image: 'ubuntu-22.04' }))).toEqual({ attempt: 2, taskId });
    expect(journalSince(lab.simLab, from)).toEqual([]);
    expect([...lab.simLab.imagingTasks.values()].map((t) => t.state)).toEqual(['complete']);
  });

  it('a retry of a task cancelled meanwhile starts over with a new deploy and a power cycle', async () => {
    const lab = simActivities({ imagingMs: 100, timing: { imagingPollMs: 20 } });
    const { imaging } = lab.deps.drivers;
    const old = await imaging.startDeploy('sim-01', '1');
    await imaging.cancelTasks('sim-01');
    const from = lab.simLab.journal.length;
    const { run: runIn } = activityEnv(lab.simLab, { attempt: 2, heartbeatDetails: { taskId: old, percent: 30 } satisfies ImagingProgress });
    const done = await runIn(() => lab.activities.imageHost({ host: 'sim-01', image: 'ubuntu-22.04' }));
    expect(done.taskId).not.toBe(old);
    expect(journalSince(lab.simLab, from)).toEqual(['imaging.deploy sim-01 1', 'power.on sim-01 cycle']);
    expect(lab.simLab.imagingTasks.get(done.taskId)?.state).toBe('complete');
  });

  it('a cancelled step stops following its task', async () => {
    const lab = simActivities({ imagingMs: 60_000, timing: { imagingPollMs: 20 } });
    const { env, run: runIn } = activityEnv(lab.simLab);
    const failure = rejection(runIn(() => lab.activities.imageHost({ host: 'sim-02', image: 'ubuntu-22.04' })));
    await new Promise((r) => setTimeout(r, 100));
    const cancelledAt = Date.now();
    env.cancel();
    expect(await failure).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - cancelledAt).toBeLessThan(1000);
  });
});

describe('imaging with the FOG driver against the FOG simulator', () => {
  let fog: FogSimulator;
  beforeAll(async () => {
    // A host checks in to its task only when the test boots it, as the power cycle would.
    fog = await FogSimulator.start({ autoCheckIn: false });
    fog.setTiming({ checkInMs: 50, imagingMs: 400 });
    fog.addImage('ubuntu-22.04');
    for (const host of ['sim-01', 'sim-02', 'pod3-fog', 'fog-done', 'fog-old']) fog.addHost(host, { macs: ['52:54:00:00:01:01'] });
  });
  afterAll(async () => {
    await fog?.stop();
  });

  /** The simulated lab with the FOG driver for imaging; `imagingNames` gives hosts another name in FOG. */
  const fogLab = (imagingNames: Record<string, string> = {}) =>
    simActivities({
      timing: { imagingPollMs: 20 },
      change: (deps) => ({
        ...deps,
        drivers: { ...deps.drivers, imaging: new FogImaging({ baseUrl: fog.url, apiToken: fog.credentials.apiToken, userToken: fog.credentials.userToken }) },
        inventory: {
          ...deps.inventory,
          host: async (name) => {
            const host = await deps.inventory.host(name);
            return host && imagingNames[name] ? { ...host, imagingName: imagingNames[name] } : host;
          },
        },
      }),
    });

  /** The host PXE-boots into its task once the step has power-cycled it. */
  const bootsAfterPowerCycle = (run: ActivityRun, host: string): void => {
    run.env.on('heartbeat', (details: Partial<ImagingProgress> | undefined) => {
      if (details?.powerCycled) fog.bootHost(host);
    });
  };

  it('an attempt killed after the deploy, its heartbeat lost: the retry follows the same FOG task and power-cycles once', async () => {
    const lab = fogLab();
    const scheduledTimestampMs = Date.now();
    // The first attempt: the deploy reaches FOG, then the worker dies before the power cycle.
    const first = activityEnv(lab.simLab);
    first.env.on('heartbeat', (details: Partial<ImagingProgress> | undefined) => {
      if (details?.taskId) first.env.cancel();
    });
    expect(await rejection(first.run(() => lab.activities.imageHost({ host: 'sim-01', image: 'ubuntu-22.04' })))).toBeInstanceOf(CancelledFailure);
    expect(journalSince(lab.simLab)).toEqual([]);
    const [task] = fog.tasks('sim-01');

    const retry = activityEnv(lab.simLab, { attempt: 2, scheduledTimestampMs });
    bootsAfterPowerCycle(retry, 'sim-01');
    const done = await retry.run(() => lab.activities.imageHost({ host: 'sim-01', image: 'ubuntu-22.04' }));
    expect(done.taskId).toBe(String(task?.id));
    expect(fog.tasks('sim-01').map((t) => [t.typeID, t.stateID])).toEqual([[1, 4]]);
    expect(journalSince(lab.simLab)).toEqual(['power.on sim-01 cycle']);
  });

  it('an attempt killed while imaging, its heartbeats lost: the retry follows the running task without a power cycle', async () => {
    const lab = fogLab();
    const scheduledTimestampMs = Date.now();
    const first = activityEnv(lab.simLab);
    bootsAfterPowerCycle(first, 'sim-02');
    first.env.on('heartbeat', (details: Partial<ImagingProgress> | undefined) => {
      if ((details?.percent ?? 0) > 0) first.env.cancel();
    });
    expect(await rejection(first.run(() => lab.activities.imageHost({ host: 'sim-02', image: 'ubuntu-22.04' })))).toBeInstanceOf(CancelledFailure);
    expect(fog.tasks('sim-02').map((t) => t.stateID)).toEqual([3]);
    const from = lab.simLab.journal.length;

    const retry = activityEnv(lab.simLab, { attempt: 2, scheduledTimestampMs });
    await retry.run(() => lab.activities.imageHost({ host: 'sim-02', image: 'ubuntu-22.04' }));
    expect(fog.tasks('sim-02').map((t) => [t.typeID, t.stateID])).toEqual([[1, 4]]);
    expect(journalSince(lab.simLab, from)).toEqual([]);
  });

  /** A deploy of the host made outside the step, run to completion by the host's PXE boot. */
  const completedDeploy = async (lab: ReturnType<typeof fogLab>, fogName: string): Promise<number> => {
    const taskId = Number(await lab.deps.drivers.imaging.startDeploy(fogName, '1'));
    fog.bootHost(fogName);
    for (let i = 0; i < 100 && fog.tasks(fogName).some((t) => t.stateID !== 4); i++) await new Promise((r) => setTimeout(r, 20));
    expect(fog.tasks(fogName).map((t) => [t.typeID, t.stateID])).toEqual([[1, 4]]);
    return taskId;
  };

  it('a retry finding the deploy its killed attempt started already complete is done: no second deploy, no power cycle', async () => {
    const lab = fogLab({ 'sim-04': 'fog-done' });
    const scheduledTimestampMs = Date.now();
    // The first attempt deployed and power-cycled, then died before any heartbeat reached the server; the host imaged meanwhile.
    const taskId = await completedDeploy(lab, 'fog-done');
    const retry = activityEnv(lab.simLab, { attempt: 2, scheduledTimestampMs });
    expect(await retry.run(() => lab.activities.imageHost({ host: 'sim-04', image: 'ubuntu-22.04' }))).toEqual({ attempt: 2, taskId: String(taskId) });
    expect(fog.tasks('fog-done').map((t) => [t.typeID, t.stateID])).toEqual([[1, 4]]);
    expect(journalSince(lab.simLab)).toEqual([]);
  });

  it('a retry ignores a deploy made before the step was scheduled: it deploys and power-cycles anew', async () => {
    const lab = fogLab({ 'sim-03': 'fog-old' });
    const old = await completedDeploy(lab, 'fog-old');
    // The host was imaged with this image by an earlier booking, ten minutes before this step.
    fog.backdateTask(old, 10 * 60_000);
    const retry = activityEnv(lab.simLab, { attempt: 2, scheduledTimestampMs: Date.now() });
    bootsAfterPowerCycle(retry, 'fog-old');
    const done = await retry.run(() => lab.activities.imageHost({ host: 'sim-03', image: 'ubuntu-22.04' }));
    expect(done.taskId).not.toBe(String(old));
    expect(fog.tasks('fog-old').map((t) => [t.typeID, t.stateID])).toEqual([[1, 4], [1, 4]]);
    expect(journalSince(lab.simLab)).toEqual(['power.on sim-03 cycle']);
  });

  it('deploys and cancels under the host’s name on the imaging server when it differs from the lab’s', async () => {
    // sim-03 is known to FOG as pod3-fog (hosts.json fog_name).
    const lab = fogLab({ 'sim-03': 'pod3-fog' });
    const failure = rejection(activityEnv(lab.simLab).run(() => lab.activities.imageHost({ host: 'sim-03', image: 'ubuntu-22.04' })));
    await new Promise((r) => setTimeout(r, 200));
    expect(fog.tasks('pod3-fog').map((t) => [t.typeID, t.stateID])).toEqual([[1, 1]]);
    await activityEnv(null).run(() => lab.activities.cancelImaging({ host: 'sim-03' }));
    expect(fog.tasks('pod3-fog').map((t) => t.stateID)).toEqual([5]);
    // The step sees its task cancelled and fails, to be retried from a new deploy.
    expect(await failure).toMatchObject({ type: 'FogTaskFailed' });
  });
});
