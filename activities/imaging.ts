import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { labDirectory } from './lab-directory';
import { attempt, type StepDone } from './power';

export interface ImagingProgress {
  taskId: string;
  percent: number;
}

export function createImagingActivities(deps: Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'timing' | 'hostKeys'>) {
  const lab = labDirectory(deps);
  const { imaging, power } = deps.drivers;
  return {
    /**
     * Imaging step: deploy the image with the imaging server, power the host on to PXE-boot
     * into the task, and follow the task to completion, heartbeating its percentage.
     */
    async imageHost({ host, image }: { host: string; image: string }): Promise<StepDone & { taskId: string }> {
      const ctx = Context.current();
      const imageId = (await lab.image(image)).imagingId;
      const bmc = await lab.bmc(host);
      const taskId = await asStep(() => imaging.startDeploy(host, imageId));
      await asStep(() => power.cycle(bmc));
      const deadline = Date.now() + deps.timing.imagingTimeoutMs;
      for (;;) {
        const status = await asStep(() => imaging.taskStatus(taskId));
        ctx.heartbeat({ taskId, percent: status.percent } satisfies ImagingProgress);
        if (status.state === 'complete') {
          await deps.hostKeys?.forget(host);
          return { attempt: attempt(), taskId };
        }
        if (status.state === 'cancelled' || status.state === 'vanished') {
          throw ApplicationFailure.create({ type: 'FogTaskFailed', message: `imaging task ${taskId} of ${host} was ${status.state}` });
        }
        if (Date.now() > deadline) {
          await asStep(() => imaging.cancelTasks(host));
          throw ApplicationFailure.create({
            type: 'FogTaskFailed',
            message: `imaging task ${taskId} of ${host} stayed at ${status.percent}% past ${deps.timing.imagingTimeoutMs} ms`,
          });
        }
        await ctx.sleep(deps.timing.imagingPollMs);
      }
    },
    /** Undo of imaging: no task left open for the host. */
    async cancelImaging({ host }: { host: string }): Promise<void> {
      await asStep(() => imaging.cancelTasks(host));
    },
  };
}
