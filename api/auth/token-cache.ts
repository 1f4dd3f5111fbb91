import { LRUCache } from 'lru-cache';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database';
import { findTokenHolder, markTokenUsed, memberUser, type MemberUser, type TokenHolder } from '../../db/api-tokens';
import type { ChangeListener } from '../change-listener';

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

type Result = 'hit' | 'miss' | 'bypass';

/**
 * Who a bearer token speaks for, and the users a dashboard acts for, kept in the API's memory until
 * PostgreSQL says a token, a user or a project membership changed (any of them: they change
 * rarely, and then everything is read again). Without it every request of a user's or dashboard's
 * token made two to four queries before its handler ran; a dashboard polling its bookings made
 * them for every poll.
 *
 * Revocation stays immediate: deleting a token notifies, and the next request with it is refused.
 * While the listening connection is down nothing is kept; an unknown token is never kept (it
 * queries every time, as a made-up token should), and every answer expires after `maxAgeMs`.
 */
export class TokenCache {
  private readonly holders: LRUCache<string, { holder: TokenHolder; markedAt: number }>;
  private readonly users: LRUCache<string, MemberUser>;
  /** Bumped by every change heard: a lookup that began before it is answered but not kept. */
  private generation = 0;
  /** Lookups by kind and result, for the API's /metrics. */
  readonly lookups = { token: { hit: 0, miss: 0, bypass: 0 }, user: { hit: 0, miss: 0, bypass: 0 } };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly listener: ChangeListener,
    private readonly options: TokenCacheOptions = {},
  ) {
    const max = options.maxEntries ?? 10_000;
    const ttl = options.maxAgeMs ?? 60_000;
    this.holders = new LRUCache({ max, ttl });
    this.users = new LRUCache({ max, ttl });
    listener.subscribe({
      changed: (channel) => {
        if (channel === ACCESS_CHANNEL) this.forgetAll();
      },
      lost: () => this.forgetAll(),
    });
  }

  /** The holder of the token with this digest (`tokenDigest`), or null when no token has it. */
  async holder(digest: string): Promise<TokenHolder | null> {
    const kept = this.listener.listening ? this.holders.get(digest) : undefined;
    if (kept) {
      this.count('token', 'hit');
      if (Date.now() - kept.markedAt >= (this.options.markUsedMs ?? MARK_USED_MS)) {
        kept.markedAt = Date.now();
        markTokenUsed(this.db, kept.holder.tokenId).catch((err: Error) => this.options.warn?.(`token ${kept.holder.tokenId}: last use not recorded (${err.message})`));
      }
      return kept.holder;
    }
    this.count('token', this.listener.listening ? 'miss' : 'bypass');
    const generation = this.generation;
    const holder = await findTokenHolder(this.db, digest);
    if (!holder) return null;
    await markTokenUsed(this.db, holder.tokenId);
    if (this.keeps(generation)) this.holders.set(digest, { holder, markedAt: Date.now() });
    return holder;
  }

  /** A user of the lab with its projects (a dashboard acting for it), or null when there is no such user. */
  async member(name: string): Promise<MemberUser | null> {
    const kept = this.listener.listening ? this.users.get(name) : undefined;
    if (kept) {
      this.count('user', 'hit');
      return kept;
    }
    this.count('user', this.listener.listening ? 'miss' : 'bypass');
    const generation = this.generation;
    const user = await memberUser(this.db, name);
    if (user && this.keeps(generation)) this.users.set(name, user);
    return user;
  }

  private keeps(generation: number): boolean {
    return generation === this.generation && this.listener.listening;
  }

  private forgetAll(): void {
    this.generation++;
    this.holders.clear();
    this.users.clear();
  }

  private count(kind: 'token' | 'user', result: Result): void {
    this.lookups[kind][result]++;
  }
}
