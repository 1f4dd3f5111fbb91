import { LRUCache } from 'lru-cache';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database';
import { markTokenUsed, memberUser, tokenHolderByDigest, type MemberUser, type TokenHolder } from '../../db/api-tokens';
import { keepFor, nearMaxAge, type ChangeListener } from '../change-listener';

/** The channel the tokens' triggers notify (db/migrations/2026-12-08T0900-access-notify.ts). */
export const ACCESS_CHANNEL = 'laas_access';

/** How often a token in use is marked used (`last_used_at`), as `tokenHolder` does without the cache. */
const MARK_USED_MS = 60_000;

export interface TokenCacheOptions {
  /** Token holders and users kept (least recently used dropped first). */
  maxEntries?: number;
  /** A kept answer is dropped after this long even if no change was heard: a bound on any missed notification. */
  maxAgeMs?: number;
  /** How often a kept token still in use is marked used (60 s, as without the cache). */
  markUsedMs?: number;
  /** A failed background write of `last_used_at`. */
  warn?: (message: string) => void;
}

/** hit: from memory; refresh: from memory, looked up again in the background near its max age; miss: queried; shared: waited for the same lookup already in flight; bypass: not listening. */
type Result = 'hit' | 'refresh' | 'miss' | 'shared' | 'bypass';

interface Kept {
  holder: TokenHolder;
  markedAt: number;
}

/**
 * Who a bearer token speaks for, and the users a dashboard acts for, kept in the API's memory until
 * PostgreSQL says a token, a user or a project membership changed (any of them: they change
 * rarely, and then everything is read again). Without it every request of a user's or dashboard's
 * token made two to four queries before its handler ran; a dashboard polling its bookings made
 * them for every poll.
 *
 * Revocation stays immediate: deleting a token notifies, and the next request with it is refused.
 * While the listening connection is down nothing is kept; an unknown token is never kept (it
 * queries every time, as a made-up token should), and every answer expires after `maxAgeMs` (a
 * random three quarters to all of it). As with booking reads, one asked for in the last quarter of
 * that is looked up again in the background, and the requests that arrive together for a token
 * not kept (a dashboard's connections after a restart) share one lookup: a polling client never
 * waits for PostgreSQL again once its token is known.
 */
export class TokenCache {
  private readonly holders: LRUCache<string, Kept>;
  private readonly users: LRUCache<string, MemberUser>;
  /** Lookups in flight by "kind:key", with the generation they began in. */
  private readonly inFlight = new Map<string, { read: Promise<unknown>; generation: number }>();
  /** Bumped by every change heard: a lookup that began before it is answered but not kept, nor shared. */
  private generation = 0;
  private readonly maxAgeMs: number;
  /** Lookups by kind and result, for the API's /metrics. */
  readonly lookups = { token: counts(), user: counts() };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly listener: ChangeListener,
    private readonly options: TokenCacheOptions = {},
  ) {
    const max = options.maxEntries ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.holders = new LRUCache({ max, ttl: this.maxAgeMs });
    this.users = new LRUCache({ max, ttl: this.maxAgeMs });
    listener.subscribe({
      changed: (channel) => {
        if (channel === ACCESS_CHANNEL) this.forgetAll();
      },
      lost: () => this.forgetAll(),
    });
  }

  /** The holder of the token with this digest (`tokenDigest`), or null when no token has it. */
  async holder(digest: string): Promise<TokenHolder | null> {
    const kept = await this.lookup('token', this.holders, digest, async () => {
      const holder = await tokenHolderByDigest(this.db, digest);
      return holder && { holder, markedAt: Date.now() };
    });
    if (kept && Date.now() - kept.markedAt >= (this.options.markUsedMs ?? MARK_USED_MS)) {
      kept.markedAt = Date.now();
      markTokenUsed(this.db, kept.holder.tokenId).catch((err: Error) => this.options.warn?.(`token ${kept.holder.tokenId}: last use not recorded (${err.message})`));
    }
    return kept?.holder ?? null;
  }

  /** A user of the lab with its projects (a dashboard acting for it), or null when there is no such user. */
  member(name: string): Promise<MemberUser | null> {
    return this.lookup('user', this.users, name, () => memberUser(this.db, name));
  }

  private async lookup<V extends object>(kind: 'token' | 'user', cache: LRUCache<string, V>, key: string, load: () => Promise<V | null>): Promise<V | null> {
    if (!this.listener.listening) {
      this.lookups[kind].bypass++;
      return load();
    }
    const kept = cache.get(key);
    if (kept !== undefined) {
      const refresh = nearMaxAge(cache, key, this.maxAgeMs) && !this.inFlight.has(`${kind}:${key}`);
      this.lookups[kind][refresh ? 'refresh' : 'hit']++;
      // A failed refresh changes nothing: the kept answer expires at its max age as before.
      if (refresh) this.fetch(kind, cache, key, load).catch(() => undefined);
      return kept;
    }
    const pending = this.inFlight.get(`${kind}:${key}`);
    if (pending && pending.generation === this.generation) {
      this.lookups[kind].shared++;
      return pending.read as Promise<V | null>;
    }
    this.lookups[kind].miss++;
    return this.fetch(kind, cache, key, load);
  }

  /** Looks up and keeps the answer, unless a change was heard meanwhile; concurrent lookups of one key share it. */
  private fetch<V extends object>(kind: string, cache: LRUCache<string, V>, key: string, load: () => Promise<V | null>): Promise<V | null> {
    const id = `${kind}:${key}`;
    const generation = this.generation;
    const read = load().then((value) => {
      if (value !== null && generation === this.generation && this.listener.listening) cache.set(key, value, { ttl: keepFor(this.maxAgeMs) });
      return value;
    });
    const flight = { read, generation };
    this.inFlight.set(id, flight);
    const done = () => {
      if (this.inFlight.get(id) === flight) this.inFlight.delete(id);
    };
    read.then(done, done);
    return read;
  }

  private forgetAll(): void {
    this.generation++;
    this.holders.clear();
    this.users.clear();
  }
}

function counts(): Record<Result, number> {
  return { hit: 0, refresh: 0, miss: 0, shared: 0, bypass: 0 };
}
