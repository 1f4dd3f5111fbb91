import { Context } from '@temporalio/activity';
import { FogTaskFailed } from '../drivers/imaging/imaging';
import { followTask } from '../drivers/imaging/follow-task';
import type { ActivityDeps } from './deps';
import { asStep, toFailure } from './failures';
import { heartbeating, type Heartbeat } from './heartbeat';
import { labDirectory } from './lab-directory';
import { attempt, type StepDone } from './power';

/** What the imaging step heartbeats; the API shows `percent`, a retried attempt resumes from `taskId`. */
export interface ImagingProgress {
  taskId: string;
  percent: number;
  /**
   * False between creating the deploy task and the BMC's power cycle that boots the host into it.
   * Absent in heartbeats of earlier versions, which heartbeated only after the power cycle.
   */
  powerCycled?: boolean;
}

/** The last heartbeat of an earlier attempt, when it names a task. */
function earlierProgress(details: unknown): ImagingProgress | null {
  if (details === null || typeof details !== 'object') return null;
  const { taskId, percent, powerCycled } = details as Record<string, unknown>;
  if (typeof taskId !== 'string' || taskId === '') return null;
  return { taskId, percent: typeof percent === 'number' ? percent : 0, powerCycled: powerCycled !== false };
}

export function createImagingActivities(deps: Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'timing' | 'hostKeys'>) {
  const lab = labDirectory(deps);
  const { imaging, power } = deps.drivers;

  /**
   * The task an earlier attempt of this step was following, if it can still finish: the worker
   * running that attempt died, but the deploy it started (and the host's boot into it) goes on.
   */
  async function resumable(earlier: ImagingProgress | null): Promise<{ taskId: string; powerCycled: boolean } | null> {
    if (!earlier) return null;
    const status = await asStep(() => imaging.taskStatus(earlier.taskId));
    if (status.state === 'cancelled' || status.state === 'vanished') return null;
    return { taskId: earlier.taskId, powerCycled: earlier.powerCycled !== false || status.state !== 'queued' };
  }

  /**
   * A deploy task for the host, and whether the host still has to be booted into it. startDeploy
   * hands back a deploy of this image that is already open (an earlier attempt that died before its
   * heartbeat with the task id reached the server); a host that has checked in to it is booting
   * or imaging already and must not be power-cycled again.
   */
  async function deploy(imagingName: string, imageId: string, beat: Heartbeat): Promise<{ taskId: string; powerCycled: boolean }> {
    const taskId = await asStep(() => imaging.startDeploy(imagingName, imageId));
    beat.record({ taskId, percent: 0, powerCycled: false } satisfies ImagingProgress);
    const status = await asStep(() => imaging.taskStatus(taskId));
    return { taskId, powerCycled: status.state !== 'queued' };
  }

  /**
   * The deploy of an earlier attempt whose heartbeats never reached the server (its worker died
   * first): the newest deploy of the image for the host since the step was first scheduled. A
   * complete one is the step done; an open one is followed; a cancelled one is started over.
   */
  async function unannounced(imagingName: string, imageId: string, beat: Heartbeat): Promise<(ImagingProgress & { powerCycled: boolean; done: boolean }) | null> {
    const { attempt: n, scheduledTimestampMs } = Context.current().info;
    if (n <= 1) return null;
    const found = await asStep(() => imaging.recentDeploy(imagingName, imageId, scheduledTimestampMs));
    if (!found || found.state === 'cancelled' || found.state === 'vanished') return null;
    const powerCycled = found.state !== 'queued';
    beat.record({ taskId: found.taskId, percent: found.percent, powerCycled } satisfies ImagingProgress);
    return { taskId: found.taskId, percent: found.percent, powerCycled, done: found.state === 'complete' };
  }

  return {
    /**
     * Imaging step: deploy the image with the imaging server, power-cycle the host to PXE-boot
     * into the task, and follow the task to completion, heartbeating its percentage. A retried
     * attempt follows the earlier attempt's task instead of deploying and power-cycling again:
     * the one its heartbeat names, or else the one the imaging server shows since the step began.
     */
    async imageHost({ host, image }: { host: string; image: string }): Promise<StepDone & { taskId: string }> {
      const ctx = Context.current();
      const earlier = earlierProgress(ctx.info.heartbeatDetails);
      // The first beat carries the earlier attempt's task over: a beat without it would erase it.
      return heartbeating(
        deps.timing,
        async (beat) => {
          const imageId = (await lab.image(image)).imagingId;
          const { imagingName } = await lab.host(host);
          const bmc = await lab.bmc(host);
          const resumed = await resumable(earlier);
          const found = resumed ? null : await unannounced(imagingName, imageId, beat);
          if (found?.done) {
            await deps.hostKeys?.forget(host);
            return { attempt: attempt(), taskId: found.taskId };
          }
          const task = resumed ?? found ?? (await deploy(imagingName, imageId, beat));
          const { taskId } = task;
          if (!task.powerCycled) {
            beat.throwIfCancelled();
            await asStep(() => power.cycle(bmc));
          }
          const resumedAt = earlier?.taskId === taskId ? earlier.percent : found?.taskId === taskId ? found.percent : 0;
          beat.record({ taskId, percent: resumedAt, powerCycled: true } satisfies ImagingProgress);
          try {
            await followTask(imaging, taskId, {
              pollMs: deps.timing.imagingPollMs,
              timeoutMs: deps.timing.imagingTimeoutMs,
              hostName: host,
              signal: ctx.cancellationSignal,
              onProgress: (status) => beat.record({ taskId, percent: status.percent, powerCycled: true } satisfies ImagingProgress),
            });
          } catch (err) {
            // A task past its time would only be followed again by the retry: cancel it so the retry starts over.
            if (err instanceof FogTaskFailed && err.details.outcome === 'timeout') await asStep(() => imaging.cancelTasks(imagingName));
            throw toFailure(err);
          }
          await deps.hostKeys?.forget(host);
          return { attempt: attempt(), taskId };
        },
        earlier ?? undefined,
      );
    },
    /** Undo of imaging: no task left open for the host. */
    async cancelImaging({ host }: { host: string }): Promise<void> {
      await heartbeating(deps.timing, async () => {
        const { imagingName } = await lab.host(host);
        await asStep(() => imaging.cancelTasks(imagingName));
      });
    },
  };
}
