/**
 * What every ImagingDriver must do (and followTask with it), checked against a
 * real imaging server or its simulator, faults included: stuck, cancelled and
 * vanishing tasks, 500s, refused tokens, a server that does not answer.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInput, type DeviceError } from '../../drivers/errors';
import { followTask } from '../../drivers/imaging/follow-task';
import {
  FogAuthFailed,
  FogHostNotFound,
  FogTaskConflict,
  FogTaskFailed,
  FogUnreachable,
  type ImagingDriver,
  type ImagingTaskStatus,
} from '../../drivers/imaging/imaging';

export interface ImagingRig {
  driver: ImagingDriver;
  /** Same server, refused credentials. */
  driverWithWrongCredentials: ImagingDriver;
  /** Nothing answers where this one points. */
  unreachableDriver: ImagingDriver;
  /** Secrets that must never appear in an error. */
  secrets: string[];
  imageId: string;
  otherImageId: string;
  /** An image id the server does not have. */
  unknownImageId: string;
  /** A host the server knows, new for each call (no tasks, no image yet). */
  newHost(): string;
  /** The image the server holds for the host. */
  imageOf(host: string): string;
  /** Open (active) tasks the server holds for the host. */
  openTaskCount(host: string): number;
  /** What becomes of the host's next task. */
  fate(host: string, fate: { kind: 'stuck' | 'cancelled' | 'vanish'; atPct: number }): void;
  /** The next n requests fail with a server error; or all of them, until turned off. */
  failNext(n: number): void;
  failAll(on: boolean): void;
}

export interface ImagingTimes {
  /** Poll interval for followTask. */
  pollMs: number;
  /** Comfortably longer than a whole deploy on this rig. */
  deployMs: number;
}

async function failure(call: Promise<unknown>): Promise<DeviceError> {
  try {
    await call;
  } catch (err) {
    return err as DeviceError;
  }
  throw new Error('expected the call to fail');
}

export function imagingConformance(name: string, getRig: () => ImagingRig, times: ImagingTimes): void {
  const follow = (driver: ImagingDriver, taskId: string, extra: Partial<Parameters<typeof followTask>[2]> = {}) =>
    followTask(driver, taskId, { pollMs: times.pollMs, timeoutMs: times.deployMs, ...extra });

  describe(`ImagingDriver conformance: ${name}`, () => {
    it('deploys: sets the image, opens a task, follows it to Complete with rising percentages', async () => {
      const rig = getRig();
      const host = rig.newHost();
      const taskId = await rig.driver.startDeploy(host, rig.imageId);
      expect(rig.imageOf(host)).toBe(rig.imageId);
      expect(rig.openTaskCount(host)).toBe(1);
      const first = await rig.driver.taskStatus(taskId);
      expect(['queued', 'checked-in', 'in-progress']).toContain(first.state);

      const seen: ImagingTaskStatus[] = [];
      const done = await follow(rig.driver, taskId, { onProgress: (s) => void seen.push(s), hostName: host });
      expect(done).toEqual({ taskId, state: 'complete', percent: 100 });
      const percents = seen.map((s) => s.percent);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(seen.some((s) => s.state === 'in-progress' && s.percent > 0 && s.percent < 100)).toBe(true);
      expect(rig.openTaskCount(host)).toBe(0);
      expect(await rig.driver.taskStatus(taskId)).toEqual({ taskId, state: 'complete', percent: 100 });
    });

    it('recentDeploy finds the newest deploy of the image since a time, open, complete or cancelled', async () => {
      const rig = getRig();
      const host = rig.newHost();
      const since = Date.now();
      expect(await rig.driver.recentDeploy(host, rig.imageId, since)).toBeUndefined();
      const taskId = await rig.driver.startDeploy(host, rig.imageId);
      expect(['queued', 'checked-in', 'in-progress']).toContain((await rig.driver.recentDeploy(host, rig.imageId, since))?.state);
      expect(await rig.driver.recentDeploy(host, rig.otherImageId, since)).toBeUndefined();
      await follow(rig.driver, taskId, { hostName: host });
      expect(await rig.driver.recentDeploy(host, rig.imageId, since)).toEqual({ taskId, state: 'complete', percent: 100 });
      // A step scheduled well after the deploy was created does not take it for its own.
      expect(await rig.driver.recentDeploy(host, rig.imageId, Date.now() + 10 * 60_000)).toBeUndefined();

      const again = await rig.driver.startDeploy(host, rig.imageId);
      await rig.driver.cancelTasks(host);
      expect(await rig.driver.recentDeploy(host, rig.imageId, since)).toMatchObject({ taskId: again, state: 'cancelled' });
      expect(await rig.driver.recentDeploy('no-such-host', rig.imageId, since)).toBeUndefined();
    });

    it('startDeploy again for the same image returns the open task instead of a second one', async () => {
      const rig = getRig();
      const host = rig.newHost();
      const first = await rig.driver.startDeploy(host, rig.imageId);
      expect(await rig.driver.startDeploy(host, rig.imageId)).toBe(first);
      expect(rig.openTaskCount(host)).toBe(1);
    });

    it('a host busy with another image is a conflict, and its image is left alone', async () => {
      const rig = getRig();
      const host = rig.newHost();
      await rig.driver.startDeploy(host, rig.imageId);
      const err = await failure(rig.driver.startDeploy(host, rig.otherImageId));
      expect(err).toBeInstanceOf(FogTaskConflict);
      expect(err.message).toContain(host);
      expect(rig.imageOf(host)).toBe(rig.imageId);
    });

    it('an unknown host is FogHostNotFound and an unknown image is refused, neither retryable', async () => {
      const rig = getRig();
      const missing = await failure(rig.driver.startDeploy('no-such-host', rig.imageId));
      expect(missing).toBeInstanceOf(FogHostNotFound);
      expect(missing.retryable).toBe(false);
      const host = rig.newHost();
      const badImage = await failure(rig.driver.startDeploy(host, rig.unknownImageId));
      expect(badImage).toBeInstanceOf(InvalidInput);
      expect(badImage.message).toContain(rig.unknownImageId);
      expect(rig.openTaskCount(host)).toBe(0);
    });

    it('refuses malformed host names and ids before asking the server', async () => {
      const rig = getRig();
      await expect(rig.driver.startDeploy('bad host', rig.imageId)).rejects.toBeInstanceOf(InvalidInput);
      await expect(rig.driver.startDeploy(rig.newHost(), 'five')).rejects.toBeInstanceOf(InvalidInput);
      await expect(rig.driver.taskStatus('1; DROP')).rejects.toBeInstanceOf(InvalidInput);
    });

    it('cancelTasks cancels the open task; again, or for an unknown host, it is a no-op', async () => {
      const rig = getRig();
      const host = rig.newHost();
      const taskId = await rig.driver.startDeploy(host, rig.imageId);
      await rig.driver.cancelTasks(host);
      expect(rig.openTaskCount(host)).toBe(0);
      expect((await rig.driver.taskStatus(taskId)).state).toBe('cancelled');
      await rig.driver.cancelTasks(host);
      await rig.driver.cancelTasks('no-such-host');
    });

    it('a task that is gone reads as vanished', async () => {
      const rig = getRig();
      expect(await rig.driver.taskStatus('987654')).toEqual({ taskId: '987654', state: 'vanished', percent: 0 });
    });

    it('followTask tells a task cancelled in the web UI from a complete one', async () => {
      const rig = getRig();
      const host = rig.newHost();
      rig.fate(host, { kind: 'cancelled', atPct: 40 });
      const taskId = await rig.driver.startDeploy(host, rig.imageId);
      const err = await failure(follow(rig.driver, taskId, { hostName: host }));
      expect(err).toBeInstanceOf(FogTaskFailed);
      expect(err.details).toMatchObject({ outcome: 'cancelled', taskId });
      expect(err.message).toContain(host);
    });

    it('followTask tells a task that vanished', async () => {
      const rig = getRig();
      const host = rig.newHost();
      rig.fate(host, { kind: 'vanish', atPct: 30 });
      const taskId = await rig.driver.startDeploy(host, rig.imageId);
      const err = await failure(follow(rig.driver, taskId));
      expect(err).toBeInstanceOf(FogTaskFailed);
      expect(err.details).toMatchObject({ outcome: 'vanished' });
    });

    it('followTask gives up on a stuck task: when it stops moving, or at the overall bound', async () => {
      const rig = getRig();
      const host = rig.newHost();
      rig.fate(host, { kind: 'stuck', atPct: 25 });
      const taskId = await rig.driver.startDeploy(host, rig.imageId);
      const stalled = await failure(follow(rig.driver, taskId, { stallMs: times.deployMs / 4 }));
      expect(stalled.details).toMatchObject({ outcome: 'stalled' });
      expect(stalled.message).toContain('25%');
      const timedOut = await failure(follow(rig.driver, taskId, { timeoutMs: times.deployMs / 4 }));
      expect(timedOut).toBeInstanceOf(FogTaskFailed);
      expect(timedOut.details).toMatchObject({ outcome: 'timeout' });
    });

    it('followTask rides out a few server errors but not a server that keeps failing', async () => {
      const rig = getRig();
      const host = rig.newHost();
      const taskId = await rig.driver.startDeploy(host, rig.imageId);
      rig.failNext(2);
      expect((await follow(rig.driver, taskId)).state).toBe('complete');

      const other = rig.newHost();
      const second = await rig.driver.startDeploy(other, rig.imageId);
      rig.failAll(true);
      try {
        const err = await failure(follow(rig.driver, second, { maxConsecutiveErrors: 2 }));
        expect(err).toBeInstanceOf(FogUnreachable);
        expect(err.retryable).toBe(true);
        expect(await failure(rig.driver.startDeploy(rig.newHost(), rig.imageId))).toBeInstanceOf(FogUnreachable);
      } finally {
        rig.failAll(false);
      }
    });

    it('followTask stops when its caller aborts', async () => {
      const rig = getRig();
      const host = rig.newHost();
      rig.fate(host, { kind: 'stuck', atPct: 10 });
      const taskId = await rig.driver.startDeploy(host, rig.imageId);
      const controller = new AbortController();
      const following = follow(rig.driver, taskId, { signal: controller.signal, onProgress: () => controller.abort(new Error('activity cancelled')) });
      await expect(following).rejects.toThrow('activity cancelled');
    });

    it('refused credentials are FogAuthFailed, not retryable, and never echo a secret', async () => {
      const rig = getRig();
      const err = await failure(rig.driverWithWrongCredentials.startDeploy(rig.newHost(), rig.imageId));
      expect(err).toBeInstanceOf(FogAuthFailed);
      expect(err.retryable).toBe(false);
      for (const secret of rig.secrets) expect(`${err.message} ${err.stack ?? ''} ${JSON.stringify(err)}`).not.toContain(secret);
    });

    it('a server that does not answer is FogUnreachable, retryable', async () => {
      const rig = getRig();
      const err = await failure(rig.unreachableDriver.taskStatus('1'));
      expect(err).toBeInstanceOf(FogUnreachable);
      expect(err.retryable).toBe(true);
      for (const secret of rig.secrets) expect(`${err.message} ${JSON.stringify(err)}`).not.toContain(secret);
    });
  });
}
