/**
 * The FOG simulator's database: hosts, images and tasks, and how a deploy task
 * moves Queued → Checked In → In-Progress → Complete. Progress is computed from
 * the clock when read, so no timers run and nothing needs stopping.
 */

/** How long each phase of a task lasts. */
export interface Timing {
  /** From task creation to the host's PXE boot checking in (when hosts check in on their own). */
  queuedMs: number;
  /** From check-in to the start of imaging. */
  checkInMs: number;
  /** From the start of imaging to 100 %. */
  imagingMs: number;
}

/**
 * What becomes of the next tasks of a host: complete normally, stop moving at a
 * percentage, be cancelled by someone in the web UI, or disappear from the database.
 */
export type TaskFate = { kind: 'complete' } | { kind: 'stuck'; atPct: number } | { kind: 'cancelled'; atPct: number } | { kind: 'vanish'; atPct: number };

export const TASK_STATES: Record<number, string> = { 1: 'Queued', 2: 'Checked In', 3: 'In-Progress', 4: 'Complete', 5: 'Cancelled' };

export const TASK_TYPES: Record<number, string> = {
  1: 'Deploy', 2: 'Capture', 3: 'Debug', 4: 'Memtest86+', 5: 'Test Disk', 6: 'Disk Surface Test', 7: 'Recover',
  8: 'Multi-Cast', 10: 'Hardware Inventory', 11: 'Password Reset', 12: 'All Snapins', 13: 'Single Snapin',
  14: 'Wake-Up', 15: 'Deploy-Debug', 16: 'Capture-Debug', 17: 'Deploy-No Snapins', 18: 'Fast Wipe',
  19: 'Normal Wipe', 20: 'Full Wipe',
};

/** Task types that write or read an image, so need the host to have a valid one. */
const IMAGE_TASK_TYPES = new Set([1, 2, 8, 15, 16, 17]);

export interface HostRecord {
  id: number;
  name: string;
  description: string;
  ip: string;
  imageID: number;
  macs: string[];
  /** When the host was last deployed, FOG's "Y-m-d H:i:s" or zeros. */
  deployed: string;
  fate: TaskFate;
}

export interface ImageRecord {
  id: number;
  name: string;
  description: string;
  path: string;
  osID: number;
  isEnabled: boolean;
  size: string;
}

export interface TaskRecord {
  id: number;
  name: string;
  hostID: number;
  typeID: number;
  imageID: number;
  wol: boolean;
  shutdown: boolean;
  createdAt: number;
  /** When the host PXE-booted and checked in; null while it has not. */
  bootedAt: number | null;
  fate: TaskFate;
  /** Set once the task can no longer move: 4 Complete or 5 Cancelled. */
  ended: { stateID: 4 | 5; pct: number } | null;
}

export interface TaskProgress {
  stateID: number;
  pct: number;
}

export const NEVER = '0000-00-00 00:00:00';

/** FOG's "Y-m-d H:i:s": wall-clock time in the server's zone (FOG_TZINFO), the zone itself not shown. */
export function fogDate(ms: number, timeZone = 'UTC'): string {
  // Sweden's locale writes dates as "2024-05-01 13:45:07".
  return new Intl.DateTimeFormat('sv-SE', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms);
}

/** Raised by the store with the status and body the API answers. */
export class FogApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`FOG API ${status}`);
  }
}

export class FogStore {
  readonly hosts = new Map<number, HostRecord>();
  readonly images = new Map<number, ImageRecord>();
  readonly tasks = new Map<number, TaskRecord>();
  private nextId = { host: 1, image: 1, task: 1 };

  constructor(
    public timing: Timing,
    public autoCheckIn: boolean,
    /** The IANA zone FOG writes its times in (FOG_TZINFO). */
    readonly timeZone = 'UTC',
  ) {}

  addHost(fields: { name: string; macs?: string[]; imageID?: number; ip?: string; description?: string }): HostRecord {
    if ([...this.hosts.values()].some((h) => h.name === fields.name)) throw new FogApiError(500, { error: 'Already created' });
    const host: HostRecord = {
      id: this.nextId.host++,
      name: fields.name,
      description: fields.description ?? '',
      ip: fields.ip ?? '',
      imageID: fields.imageID ?? 0,
      macs: fields.macs ?? [],
      deployed: NEVER,
      fate: { kind: 'complete' },
    };
    this.hosts.set(host.id, host);
    return host;
  }

  addImage(fields: { name: string; path?: string; description?: string; osID?: number; isEnabled?: boolean }): ImageRecord {
    if ([...this.images.values()].some((i) => i.name === fields.name)) throw new FogApiError(500, { error: 'Already created' });
    const image: ImageRecord = {
      id: this.nextId.image++,
      name: fields.name,
      description: fields.description ?? '',
      path: fields.path ?? fields.name.replace(/[^A-Za-z0-9]/g, ''),
      osID: fields.osID ?? 50,
      isEnabled: fields.isEnabled ?? true,
      size: '0',
    };
    this.images.set(image.id, image);
    return image;
  }

  hostByName(name: string): HostRecord | undefined {
    return [...this.hosts.values()].find((h) => h.name === name);
  }

  /** Brings every task up to date with the clock: completes, cancels and deletes as their fates say. */
  refresh(now = Date.now()): void {
    for (const task of this.tasks.values()) {
      if (task.ended) continue;
      const p = this.progressAt(task, now);
      if (p === null) {
        this.tasks.delete(task.id);
      } else if (p.stateID === 4 || p.stateID === 5) {
        task.ended = { stateID: p.stateID, pct: p.pct };
        const host = this.hosts.get(task.hostID);
        if (host && p.stateID === 4 && IMAGE_TASK_TYPES.has(task.typeID)) host.deployed = fogDate(now, this.timeZone);
      }
    }
  }

  /**
   * State and percentage of a task now. A vanishing task read between its vanishing and the next
   * refresh (which deletes it) still shows where it stopped, not some other state.
   */
  progress(task: TaskRecord, now = Date.now()): TaskProgress {
    const stoppedAt = task.fate.kind === 'vanish' ? task.fate.atPct : 0;
    return task.ended ?? this.progressAt(task, now) ?? { stateID: 3, pct: stoppedAt };
  }

  /** When the host checked in for this task, if it has. */
  checkedInAt(task: TaskRecord, now = Date.now()): number | null {
    const booted = task.bootedAt ?? (this.autoCheckIn ? task.createdAt + this.timing.queuedMs : null);
    return booted !== null && booted <= now ? booted : null;
  }

  private progressAt(task: TaskRecord, now: number): TaskProgress | null {
    const { checkInMs, imagingMs } = this.timing;
    const booted = this.checkedInAt(task, now);
    if (booted === null) return { stateID: 1, pct: 0 };
    if (now < booted + checkInMs) return { stateID: 2, pct: 0 };
    const done = imagingMs <= 0 ? 1 : Math.min(1, (now - booted - checkInMs) / imagingMs);
    const pct = Math.floor(done * 100);
    const fate = task.fate;
    switch (fate.kind) {
      case 'stuck':
        return { stateID: 3, pct: Math.min(pct, fate.atPct) };
      case 'cancelled':
        return pct >= fate.atPct ? { stateID: 5, pct: fate.atPct } : { stateID: 3, pct };
      case 'vanish':
        return pct >= fate.atPct ? null : { stateID: 3, pct };
      case 'complete':
        return done >= 1 ? { stateID: 4, pct: 100 } : { stateID: 3, pct };
    }
  }

  isActive(task: TaskRecord, now = Date.now()): boolean {
    return this.progress(task, now).stateID <= 3;
  }

  activeTaskOf(hostID: number): TaskRecord | undefined {
    return [...this.tasks.values()].find((t) => t.hostID === hostID && this.isActive(t));
  }

  /** POST /fog/host/{id}/task, with FOG's own refusals. */
  createTask(host: HostRecord, typeID: number, name: string, wol: boolean, shutdown: boolean): TaskRecord {
    if (!(typeID in TASK_TYPES)) throw new FogApiError(501, { error: 'Invalid tasking type passed' });
    if (this.activeTaskOf(host.id)) throw new FogApiError(500, { error: 'Host is already a member of an active task' });
    const image = this.images.get(host.imageID);
    if (IMAGE_TASK_TYPES.has(typeID) && (!image || !image.isEnabled)) throw new FogApiError(500, { error: 'Image is not valid' });
    const task: TaskRecord = {
      id: this.nextId.task++,
      name: name || `${TASK_TYPES[typeID]} Task`,
      hostID: host.id,
      typeID,
      imageID: host.imageID,
      wol,
      shutdown,
      createdAt: Date.now(),
      bootedAt: null,
      fate: host.fate,
      ended: null,
    };
    this.tasks.set(task.id, task);
    return task;
  }

  cancel(task: TaskRecord): void {
    const { stateID, pct } = this.progress(task);
    if (stateID > 3) {
      throw new FogApiError(409, { msg: `Task is not active and cannot be cancelled: ${TASK_STATES[stateID] ?? stateID}` });
    }
    task.ended = { stateID: 5, pct };
  }

  /** The host PXE-booted: its queued task checks in. */
  boot(host: HostRecord): void {
    const task = this.activeTaskOf(host.id);
    if (task && task.bootedAt === null) task.bootedAt = Date.now();
  }
}
