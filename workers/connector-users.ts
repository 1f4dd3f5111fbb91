/**
 * The dashboard's user ids, resolved through its users endpoint and mapped to laas user names.
 * A dashboard user is the laas user of the same username (lower-cased); a lab whose users are
 * named differently lists exceptions in LAAS_DASHBOARD_USER_MAP (`dashname=laasname,...`).
 */
import { PeerError } from './connector-clients';

export interface DashboardUserRecord {
  id: number;
  username: string;
  email?: string;
}

export interface UserDirectory {
  /** The laas user name for each id; null for an id the dashboard does not know. */
  resolve(ids: number[]): Promise<Map<number, string | null>>;
}

const laasName = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** `a=b,c=d` → {a: b, c: d}; names checked against laas's user name grammar. */
export function parseUserMap(text: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of (text ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [from, to] = pair.split('=').map((s) => s.trim());
    if (!from || !to || !laasName.test(to)) throw new Error(`LAAS_DASHBOARD_USER_MAP: "${pair}" is not dashname=laasname`);
    map.set(from, to);
  }
  return map;
}

/** The laas name of a dashboard user: the map's entry, else the username if laas can take it. */
export function laasUserOf(user: DashboardUserRecord, map: ReadonlyMap<string, string>): string | null {
  const mapped = map.get(user.username);
  if (mapped) return mapped;
  const lower = user.username.toLowerCase();
  return laasName.test(lower) ? lower : null;
}

/**
 * Looks each id up once (`GET users/<id>`, text/plain JSON) and keeps the answer: users do not
 * change name. A 500 is the dashboard's answer for an unknown id; other failures throw, and the
 * job is tried again on the next poll.
 */
export function createUserDirectory(fetchUser: (id: number) => Promise<DashboardUserRecord | null>, map: ReadonlyMap<string, string>): UserDirectory {
  const cache = new Map<number, string | null>();
  return {
    async resolve(ids) {
      for (const id of new Set(ids)) {
        if (cache.has(id)) continue;
        const user = await fetchUser(id);
        cache.set(id, user ? laasUserOf(user, map) : null);
      }
      return new Map(ids.map((id) => [id, cache.get(id) ?? null]));
    },
  };
}

export function isUnknownUser(err: unknown): boolean {
  return err instanceof PeerError && err.status === 500;
}
