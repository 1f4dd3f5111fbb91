/**
 * Imaging with a FOG server over its REST API (fog-api.md): find the host by
 * name, set its image, create a deploy task, find the task's id (FOG answers the
 * creation with `null`), read its state and percentage, cancel it.
 */
import { driverLog } from '../../config/driver-log';
import { InvalidInput } from '../errors';
import { errorText, FogClient, type FogConnection } from './fog-client';
import { DEPLOY_TASK_TYPE, fogInt, fogList, fogPercent, fogTimeMs, isActiveState, isFogObject, taskState, type FogObject } from './fog-values';
import { FogHostNotFound, FogTaskConflict, FogTaskFailed, type ImagingDriver, type ImagingTaskStatus } from './imaging';

export { followTask, type FollowOptions } from './follow-task';
export { FogApiDisabled, type FogConnection } from './fog-client';

export interface FogOptions extends FogConnection {
  /** Name given to the tasks we create, followed by the host name; shows in FOG's task list. */
  taskNamePrefix?: string;
  /** The IANA time zone FOG writes its times in (its FOG_TZINFO setting); default UTC. */
  timeZone?: string;
}

interface FogHost {
  id: number;
  name: string;
}

/**
 * How far FOG's clock may be behind ours, plus the second FOG's times drop. A deploy created this
 * much before the step was scheduled still counts as the step's; one this much in the future does not.
 */
const CLOCK_SKEW_MS = 30_000;

// Host names travel in JSON bodies only, but one that is obviously wrong should fail here, not as "not found".
const hostName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export class FogImaging implements ImagingDriver {
  readonly kind = 'fog';
  private readonly client: FogClient;
  private readonly taskNamePrefix: string;
  private readonly timeZone: string;

  constructor(options: FogOptions) {
    this.client = new FogClient(options);
    this.taskNamePrefix = options.taskNamePrefix ?? 'laas deploy';
    this.timeZone = checkTimeZone(options.timeZone ?? 'UTC');
  }

  async startDeploy(name: string, imageId: string): Promise<string> {
    checkHostName(name);
    const image = checkId('FOG image id', imageId);
    const host = await this.requireHost(name);
    // An open task decides first: ours again (a retried activity) is returned, anything else is a conflict;
    // the host's image is not touched under a running task.
    const reused = await this.openDeployOf(host, image);
    if (reused !== undefined) {
      driverLog().debug({ fogHost: host.id, image, task: reused }, `FOG: deploy task ${reused} of ${host.name} already open, followed`);
      return reused;
    }
    driverLog().debug({ fogHost: host.id, image }, `FOG: deploying image ${image} to ${host.name}`);
    await this.requireImage(image);
    await this.client.call('PUT', `/host/${host.id}/edit`, { imageID: image });
    const created = await this.client.call(
      'POST',
      `/host/${host.id}/task`,
      { taskTypeID: DEPLOY_TASK_TYPE, taskName: `${this.taskNamePrefix} ${host.name}`, shutdown: false, debug: false, wol: true, deploySnapins: false },
      [200, 500, 501],
    );
    if (created.status === 500) {
      const why = errorText(created.data).replace(/^: /, '');
      if (/already a member of an active task/i.test(why)) {
        // Someone (or our own earlier attempt) got there first.
        const raced = await this.openDeployOf(host, image);
        if (raced !== undefined) return raced;
        throw new FogTaskConflict(host.name, why);
      }
      if (/image is not valid/i.test(why)) throw new InvalidInput('FOG image id', imageId, `FOG answered "${why}"`);
      throw new FogTaskFailed(host.name, `FOG could not create the deploy task: ${why || 'HTTP 500'}`);
    }
    if (created.status === 501) {
      throw new FogTaskFailed(host.name, `FOG refused the deploy task type${errorText(created.data)}`);
    }
    return this.createdDeployId(host);
  }

  async taskStatus(taskId: string): Promise<ImagingTaskStatus> {
    const id = checkId('FOG task id', taskId);
    const answer = await this.client.call('GET', `/task/${id}`, undefined, [200, 404]);
    if (answer.status === 404 || !isFogObject(answer.data)) return { taskId, state: 'vanished', percent: 0 };
    const status = statusOf(taskId, answer.data);
    driverLog().debug({ task: taskId, state: status.state, percent: status.percent }, `FOG: task ${taskId} ${status.state} ${status.percent}%`);
    return status;
  }

  async recentDeploy(name: string, imageId: string, sinceMs: number): Promise<ImagingTaskStatus | undefined> {
    checkHostName(name);
    const image = checkId('FOG image id', imageId);
    const host = await this.findHost(name);
    if (!host) return undefined;
    // `task` lists finished tasks too; the body filters on the server, the checks are ours in case a server ignores it.
    const answer = await this.client.call('GET', '/task', { hostID: host.id, typeID: DEPLOY_TASK_TYPE, imageID: image });
    const from = sinceMs - CLOCK_SKEW_MS;
    const until = Date.now() + CLOCK_SKEW_MS;
    const recent = fogList(answer.data, 'task').filter((t) => {
      if (fogInt(t.hostID) !== host.id || fogInt(t.typeID) !== DEPLOY_TASK_TYPE || fogInt(t.imageID) !== image) return false;
      const created = fogTimeMs(t.createdTime, this.timeZone);
      // A time ahead of ours is a clock or time zone we cannot trust to tell an old deploy from ours.
      return created !== undefined && created >= from && created <= until;
    });
    // Ids grow with creation, and are exact where FOG's times drop the milliseconds.
    const newest = recent.reduce<FogObject | undefined>((best, t) => ((fogInt(t.id) ?? -1) > (fogInt(best?.id) ?? -1) ? t : best), undefined);
    const id = fogInt(newest?.id);
    return newest === undefined || id === undefined ? undefined : statusOf(String(id), newest);
  }

  async cancelTasks(name: string): Promise<void> {
    checkHostName(name);
    // Undo of a deploy that never got as far as FOG: a host FOG does not know has no tasks.
    const host = await this.findHost(name);
    if (!host) return;
    // 409 is "nothing to cancel"; older FOG answered 200 and did nothing, hence the check after.
    await this.client.call('DELETE', `/host/${host.id}/cancel`, undefined, [200, 409]);
    for (const task of await this.activeTasks(host)) {
      await this.client.call('DELETE', `/task/${String(task.id)}/cancel`, undefined, [200, 404, 409]);
    }
    const left = await this.activeTasks(host);
    if (left.length > 0) {
      throw new FogTaskConflict(host.name, `task ${left.map((t) => String(t.id)).join(', ')} still active after cancelling`);
    }
  }

  private async findHost(name: string): Promise<FogHost | undefined> {
    // The body filters on the server; the exact match is ours, in case a server ignores it.
    const answer = await this.client.call('GET', '/host', { name });
    const found = fogList(answer.data, 'host').find((h) => h.name === name);
    const id = fogInt(found?.id);
    return found && id !== undefined ? { id, name } : undefined;
  }

  private async requireHost(name: string): Promise<FogHost> {
    const host = await this.findHost(name);
    if (!host) throw new FogHostNotFound(name);
    return host;
  }

  private async requireImage(image: number): Promise<void> {
    const answer = await this.client.call('GET', `/image/${image}`, undefined, [200, 404]);
    if (answer.status === 404 || !isFogObject(answer.data)) {
      throw new InvalidInput('FOG image id', String(image), 'FOG has no image with this id');
    }
    if (fogInt(answer.data.isEnabled) === 0) throw new InvalidInput('FOG image id', String(image), 'the image is disabled in FOG');
  }

  private async activeTasks(host: FogHost): Promise<FogObject[]> {
    const answer = await this.client.call('GET', '/task/current', { hostID: host.id });
    return fogList(answer.data, 'task').filter((t) => fogInt(t.hostID) === host.id && isActiveState(fogInt(t.stateID)));
  }

  /** The id of an open deploy of this image on the host; throws if the host is busy with something else. */
  private async openDeployOf(host: FogHost, image: number): Promise<string | undefined> {
    const open = await this.activeTasks(host);
    const same = open.find((t) => fogInt(t.typeID) === DEPLOY_TASK_TYPE && fogInt(t.imageID) === image);
    if (same) return String(fogInt(same.id));
    const other = open[0];
    if (other) {
      const what = fogInt(other.typeID) === DEPLOY_TASK_TYPE ? `a deploy of image ${String(other.imageID)}` : `a task of type ${String(other.typeID)}`;
      throw new FogTaskConflict(host.name, `task ${String(other.id)} is already open: ${what}`);
    }
    return undefined;
  }

  /** FOG's answer to a created task is `null`: the newest deploy task of the host is ours. */
  private async createdDeployId(host: FogHost): Promise<string> {
    const isOurs = (t: FogObject): boolean => fogInt(t.hostID) === host.id && fogInt(t.typeID) === DEPLOY_TASK_TYPE;
    let candidates = (await this.activeTasks(host)).filter(isOurs);
    if (candidates.length === 0) {
      // Already finished or cancelled between creation and now: look in all tasks of the host.
      const answer = await this.client.call('GET', '/task', { hostID: host.id, typeID: DEPLOY_TASK_TYPE });
      candidates = fogList(answer.data, 'task').filter(isOurs);
    }
    const newest = Math.max(...candidates.map((t) => fogInt(t.id) ?? -1));
    if (newest < 0) throw new FogTaskFailed(host.name, 'FOG accepted the deploy task but does not list it');
    return String(newest);
  }
}

function checkHostName(name: string): void {
  if (typeof name !== 'string' || !hostName.test(name)) {
    throw new InvalidInput('FOG host name', String(name), 'expected letters, digits, ".", "_" or "-", at most 63');
  }
}

function checkTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new InvalidInput('FOG time zone', String(zone), 'expected an IANA time zone such as UTC or Europe/Berlin');
  }
  return zone;
}

function checkId(what: string, value: string): number {
  if (typeof value !== 'string' || !/^[1-9]\d{0,9}$/.test(value)) throw new InvalidInput(what, String(value), 'expected a positive whole number');
  return Number(value);
}

function statusOf(taskId: string, task: FogObject): ImagingTaskStatus {
  const state = taskState(fogInt(task.stateID));
  if (state === undefined) {
    throw new FogTaskFailed(hostOfTask(task), `task ${taskId} is in a state FOG does not document: ${String(task.stateID)}`);
  }
  return { taskId, state, percent: state === 'complete' ? 100 : fogPercent(task.pct ?? task.percent) };
}

function hostOfTask(task: FogObject): string {
  const host = task.host;
  if (isFogObject(host) && typeof host.name === 'string' && host.name !== '') return host.name;
  return `host ${String(task.hostID)}`;
}
