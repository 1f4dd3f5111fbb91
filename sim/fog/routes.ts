/**
 * The FOG API's routes as fog-api.md lists them, answered from the store.
 * Authentication and faults are handled before a request gets here.
 */
import { hostJson, imageJson, matches, taskJson, taskStateJson, taskTypeJson, type FogObject } from './records';
import { FogApiError, TASK_STATES, TASK_TYPES, type FogStore } from './store';

export interface FogReply {
  status: number;
  /** Serialized as JSON; `undefined` sends no body at all (FOG's bare status codes). */
  body?: unknown;
  /** Sent as is instead of `body` (the liveness route's "success\n"). */
  raw?: string;
}

export interface FogRequest {
  method: string;
  /** Path below /fog, split: ["host", "5", "edit"]. */
  segments: string[];
  /** The JSON body, or null when there is none or it does not parse (PHP's json_decode). */
  body: unknown;
}

export interface RouteOptions {
  /** Answer 200 and do nothing when cancelling what is not active, as FOG releases before 409 did. */
  legacyCancel: boolean;
  /** Fail task creation with this FOG error (e.g. "Failed to create task"). */
  createTaskError: string | null;
}

const CLASSES = new Set(['host', 'image', 'task', 'tasktype', 'taskstate']);
const NOT_IMPLEMENTED: FogReply = { status: 501 };
const NOT_FOUND: FogReply = { status: 404 };
const isId = (s: string | undefined): s is string => s !== undefined && /^\d+$/.test(s);

export function route(store: FogStore, req: FogRequest, opts: RouteOptions): FogReply {
  const [cls, second, third, ...rest] = req.segments;
  if (cls === 'system' && (second === 'status' || second === 'info') && third === undefined) {
    return req.method === 'GET' || req.method === 'HEAD' ? { status: 200, raw: 'success\n' } : NOT_IMPLEMENTED;
  }
  if (cls === undefined || !CLASSES.has(cls) || rest.length > 0) return NOT_IMPLEMENTED;
  try {
    switch (req.method) {
      case 'GET':
        return get(store, req, cls, second, third);
      case 'PUT':
        return isId(second) && (third === undefined || third === 'edit' || third === 'update') ? edit(store, cls, Number(second), req.body) : NOT_IMPLEMENTED;
      case 'POST':
        if (isId(second) && third === 'task' && cls === 'host') return task(store, Number(second), req.body, opts);
        return third === undefined && (second === undefined || second === 'create' || second === 'new') ? create(store, cls, req.body) : NOT_IMPLEMENTED;
      case 'DELETE':
        if (isId(second) && third === 'cancel') return cancel(store, cls, Number(second), opts);
        return isId(second) && (third === undefined || third === 'delete' || third === 'remove') ? remove(store, cls, Number(second)) : NOT_IMPLEMENTED;
      default:
        return NOT_IMPLEMENTED;
    }
  } catch (err) {
    if (err instanceof FogApiError) return { status: err.status, body: err.body };
    throw err;
  }
}

/** Every object of a class, as FOG shows it. */
function all(store: FogStore, cls: string): FogObject[] {
  switch (cls) {
    case 'host':
      return [...store.hosts.values()].map((h) => hostJson(store, h));
    case 'image':
      return [...store.images.values()].map((i) => imageJson(i));
    case 'task':
      return [...store.tasks.values()].map((t) => taskJson(store, t));
    case 'tasktype':
      return Object.keys(TASK_TYPES).map((id) => taskTypeJson(Number(id)));
    default:
      return Object.keys(TASK_STATES).map((id) => taskStateJson(Number(id)));
  }
}

const list = (cls: string, items: FogObject[]): FogReply => ({ status: 200, body: { count: items.length, [`${cls}s`]: items } });

function get(store: FogStore, req: FogRequest, cls: string, second: string | undefined, third: string | undefined): FogReply {
  if (second === undefined || ((second === 'list' || second === 'all') && third === undefined)) {
    return list(cls, all(store, cls).filter((o) => matches(o, req.body)));
  }
  if (second === 'search' && third !== undefined) {
    const term = decodeURIComponent(third).toLowerCase();
    return list(cls, all(store, cls).filter((o) => (text(o.name) ?? '').toLowerCase().includes(term) || o.id === term));
  }
  if (cls === 'task' && (second === 'current' || second === 'active') && third === undefined) {
    const active = [...store.tasks.values()].filter((t) => store.isActive(t)).map((t) => taskJson(store, t));
    return list(cls, active.filter((o) => matches(o, req.body)));
  }
  if (isId(second) && third === undefined) {
    const found = all(store, cls).find((o) => o.id === second);
    return found ? { status: 200, body: found } : NOT_FOUND;
  }
  return NOT_IMPLEMENTED;
}

function fields(body: unknown): Record<string, unknown> {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const int = (v: unknown): number | undefined => (text(v) !== undefined && /^\d+$/.test(text(v) ?? '') ? Number(v) : undefined);
const macList = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : undefined);

function edit(store: FogStore, cls: string, id: number, body: unknown): FogReply {
  const f = fields(body);
  if (cls === 'host') {
    const host = store.hosts.get(id);
    if (!host) return NOT_FOUND;
    const name = text(f.name);
    if (name !== undefined && name.toLowerCase() !== host.name.toLowerCase() && store.hostByName(name)) {
      return { status: 500, body: { error: 'Already created' } };
    }
    if (name !== undefined) host.name = name;
    host.imageID = int(f.imageID) ?? host.imageID;
    host.description = text(f.description) ?? host.description;
    host.ip = text(f.ip) ?? host.ip;
    host.macs = macList(f.macs) ?? host.macs;
    return { status: 200, body: hostJson(store, host) };
  }
  if (cls === 'image') {
    const image = store.images.get(id);
    if (!image) return NOT_FOUND;
    image.name = text(f.name) ?? image.name;
    image.description = text(f.description) ?? image.description;
    if (f.isEnabled !== undefined) image.isEnabled = text(f.isEnabled) === '1' || f.isEnabled === true;
    return { status: 200, body: imageJson(image) };
  }
  return all(store, cls).some((o) => o.id === String(id)) ? { status: 500, body: { error: 'Failed to save' } } : NOT_FOUND;
}

function create(store: FogStore, cls: string, body: unknown): FogReply {
  const f = fields(body);
  const name = text(f.name);
  // FOG answers 417 when a required column (the name) is empty.
  if (name === undefined || name === '') return { status: 417, body: { error: 'Required database field is empty' } };
  if (cls === 'host') {
    const host = store.addHost({ name, macs: macList(f.macs) ?? [], imageID: int(f.imageID) ?? 0, ip: text(f.ip), description: text(f.description) });
    return { status: 200, body: hostJson(store, host) };
  }
  if (cls === 'image') {
    const image = store.addImage({ name, path: text(f.path), description: text(f.description), osID: int(f.osID) });
    return { status: 200, body: imageJson(image) };
  }
  return { status: 500, body: { error: 'Failed to create' } };
}

function task(store: FogStore, id: number, body: unknown, opts: RouteOptions): FogReply {
  const host = store.hosts.get(id);
  if (!host) return NOT_FOUND;
  const f = fields(body);
  const typeID = int(f.taskTypeID);
  if (typeID === undefined || !(typeID in TASK_TYPES)) return { status: 501, body: { error: 'Invalid tasking type passed' } };
  if (opts.createTaskError !== null) return { status: 500, body: { error: opts.createTaskError } };
  store.createTask(host, typeID, text(f.taskName) ?? '', f.wol !== false, f.shutdown === true);
  // FOG answers a created task with a bare null: the id must be looked up.
  return { status: 200, body: null };
}

function cancel(store: FogStore, cls: string, id: number, opts: RouteOptions): FogReply {
  if (cls === 'host') {
    const host = store.hosts.get(id);
    if (!host) return NOT_FOUND;
    const active = store.activeTaskOf(host.id);
    if (!active) return opts.legacyCancel ? { status: 200, body: null } : { status: 409, body: { msg: 'Host has no active task to cancel' } };
    store.cancel(active);
    return { status: 200, body: null };
  }
  if (cls === 'task') {
    const t = store.tasks.get(id);
    if (!t) return NOT_FOUND;
    if (opts.legacyCancel && !store.isActive(t)) return { status: 200, body: null };
    store.cancel(t);
    return { status: 200, body: null };
  }
  return NOT_IMPLEMENTED;
}

function remove(store: FogStore, cls: string, id: number): FogReply {
  const table = cls === 'host' ? store.hosts : cls === 'image' ? store.images : cls === 'task' ? store.tasks : undefined;
  if (!table) return NOT_IMPLEMENTED;
  if (!table.delete(id)) return NOT_FOUND;
  return { status: 200, body: '' };
}
