/**
 * How FOG shows its objects: column values straight from MySQL, so numbers
 * arrive as strings ("stateID": "3"), with the related objects nested.
 */
import { NEVER, TASK_STATES, TASK_TYPES, fogDate, type FogStore, type HostRecord, type ImageRecord, type TaskRecord } from './store';

export type FogObject = Record<string, unknown>;

export function imageJson(image: ImageRecord | undefined): FogObject {
  if (!image) return {};
  return {
    id: String(image.id),
    name: image.name,
    description: image.description,
    path: image.path,
    imageTypeID: '1',
    imagePartitionTypeID: '1',
    osID: String(image.osID),
    isEnabled: image.isEnabled ? '1' : '0',
    toReplicate: '1',
    compress: '6',
    size: image.size,
  };
}

export function hostJson(store: FogStore, host: HostRecord): FogObject {
  const image = store.images.get(host.imageID);
  return {
    id: String(host.id),
    name: host.name,
    description: host.description,
    ip: host.ip,
    imageID: String(host.imageID),
    deployed: host.deployed,
    pending: '0',
    primac: host.macs[0] ?? '',
    macs: [...host.macs],
    image: imageJson(image),
    imagename: image?.name ?? '',
    pingstatus: '6',
  };
}

export function taskStateJson(id: number): FogObject {
  return { id: String(id), name: TASK_STATES[id] ?? '', description: '', order: String(id) };
}

export function taskTypeJson(id: number): FogObject {
  return { id: String(id), name: TASK_TYPES[id] ?? '', description: '', access: 'both', isAdvanced: '0' };
}

export function taskJson(store: FogStore, task: TaskRecord, now = Date.now()): FogObject {
  const host = store.hosts.get(task.hostID);
  const { stateID, pct } = store.progress(task, now);
  const checkedIn = store.checkedInAt(task, now);
  const total = 8 * 1024 ** 3;
  const copied = Math.floor((total * pct) / 100);
  const elapsedS = checkedIn === null ? 0 : Math.floor((now - checkedIn) / 1000);
  return {
    id: String(task.id),
    name: task.name,
    hostID: String(task.hostID),
    stateID: String(stateID),
    typeID: String(task.typeID),
    imageID: String(task.imageID),
    createdTime: fogDate(task.createdAt, store.timeZone),
    checkInTime: checkedIn === null ? NEVER : fogDate(checkedIn, store.timeZone),
    pct: String(pct),
    percent: String(pct),
    timeElapsed: clock(elapsedS),
    timeRemaining: stateID === 3 && pct > 0 ? clock(Math.floor((elapsedS * (100 - pct)) / pct)) : '00:00:00',
    dataCopied: `${(copied / 1024 ** 3).toFixed(2)} GiB`,
    dataTotal: `${(total / 1024 ** 3).toFixed(2)} GiB`,
    storagenodeID: '1',
    storagegroupID: '1',
    isForced: '0',
    wol: task.wol ? '1' : '0',
    shutdown: task.shutdown ? '1' : '0',
    host: host ? hostJson(store, host) : {},
    image: imageJson(store.images.get(task.imageID)),
    state: taskStateJson(stateID),
    type: taskTypeJson(task.typeID),
  };
}

function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Exact-value filter from a JSON body: `{"name":"node01"}`, `{"hostID":5}`, `{"stateID":[1,2]}`. */
export function matches(object: FogObject, filter: unknown): boolean {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) return true;
  return Object.entries(filter as Record<string, unknown>).every(([key, wanted]) => {
    // Like FOG, fields the class does not have are ignored rather than matching nothing.
    if (!(key in object)) return true;
    const have = object[key];
    const candidates = Array.isArray(wanted) ? wanted : [wanted];
    return candidates.some((c) => scalar(c) !== undefined && scalar(c) === scalar(have));
  });
}

function scalar(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}
