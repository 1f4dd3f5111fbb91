import { DeviceError } from '../errors';

export type ImagingTaskState = 'queued' | 'checked-in' | 'in-progress' | 'complete' | 'cancelled' | 'vanished';

export interface ImagingTaskStatus {
  taskId: string;
  state: ImagingTaskState;
  /** 0..100 as reported by the imaging server. */
  percent: number;
}

/** An imaging server (FOG) that deploys an image onto a host at its next PXE boot. */
export interface ImagingDriver {
  readonly kind: string;
  /**
   * Set the host's image and create a deploy task for it; returns the task id.
   * Idempotent: if a deploy task of the same image is already open for the host, its id is returned.
   */
  startDeploy(hostName: string, imageId: string): Promise<string>;
  taskStatus(taskId: string): Promise<ImagingTaskStatus>;
  /**
   * The newest deploy task of this image for the host created at or after `sinceMs` (ms since
   * the epoch), in whatever state (open, complete, cancelled); undefined if there is none. Lets a
   * retried step find the deploy of an attempt whose worker died before it could say so.
   */
  recentDeploy(hostName: string, imageId: string, sinceMs: number): Promise<ImagingTaskStatus | undefined>;
  /** Cancel any open task of the host. A host without tasks is a no-op. */
  cancelTasks(hostName: string): Promise<void>;
}

export class FogUnreachable extends DeviceError {
  constructor(detail: string) {
    super('FogUnreachable', `FOG server did not answer: ${detail}`, true);
  }
}
export class FogAuthFailed extends DeviceError {
  constructor() {
    super('FogAuthFailed', 'FOG server refused the configured API tokens', false);
  }
}
export class FogHostNotFound extends DeviceError {
  constructor(host: string) {
    super('FogHostNotFound', `FOG has no host named ${host}`, false, { host });
  }
}
export class FogTaskConflict extends DeviceError {
  constructor(host: string, detail: string) {
    super('FogTaskConflict', `FOG refused a new task for ${host}: ${detail}`, true, { host });
  }
}
export class FogTaskFailed extends DeviceError {
  constructor(host: string, detail: string) {
    super('FogTaskFailed', `FOG task for ${host} did not complete: ${detail}`, true, { host });
  }
}
