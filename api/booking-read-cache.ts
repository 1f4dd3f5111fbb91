import { LRUCache } from 'lru-cache';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import { readBooking, type BookingRead } from '../db/booking-views';
import { ChangeListener, keepFor, nearMaxAge } from './change-listener';

/** The channel the read model's triggers notify (db/migrations/2026-12-07T0900-read-model-notify.ts). */
export const READ_MODEL_CHANNEL = 'laas_booking_read';

export interface ReadCacheOptions {
  /** Bookings kept (least recently read dropped first). */
  maxBookings?: number;
  /** Lists kept (each a filter and page). */
  maxLists?: number;
  /** A kept read is dropped after this long even if no change was heard: a bound on any missed notification. */
  maxAgeMs?: number;
  /** After a lost listening connection, the wait before connecting again (its own listener only). */
  reconnectMs?: number;
  warn?: (message: string) => void;
}

/**
 * Reads of the read model kept in the API's memory, each dropped as soon as PostgreSQL says its
 * booking changed (LISTEN on the triggers' channel). Dashboards poll the same bookings and the same
 * lists over and over, and most polls find nothing new: those answer from memory, without a query.
 *
 * Correctness first: while the listening connection is down (and until it is back and listening),
 * nothing is kept and every read goes to PostgreSQL; a read that a change overtook while it was in
 * flight is answered but not kept; and every kept read expires after `maxAgeMs` in any case (a
 * random three quarters to all of it, so reads filled together do not expire together).
 * Concurrent reads of one booking share one query.
 *
 * A read asked for near the end of its max age is read again in the background, so what is polled
 * keeps being answered from memory: without it every kept read would expire a max age after the
 * first poll filled it, all at about the same time, and each poll of that second would wait for
 * PostgreSQL (bench/RESULTS.md: the p99 of a burst of reads went from tens to over 100 ms).
 */
export class BookingReadCache {
  private readonly bookings: LRUCache<string, BookingRead>;
  private readonly lists: LRUCache<string, object>;
  /** Reads in flight, and whether a change to their booking was heard meanwhile. */
  private readonly inFlight = new Map<string, { read: Promise<BookingRead | null>; overtaken: boolean }>();
  /** Bumped by every change to any booking's view: a list read that started before it is not kept. */
  private listGeneration = 0;
  private readonly listener: ChangeListener;
  /** Whether this cache made its listener (and so starts and closes it). */
  private readonly ownsListener: boolean;
  /**
   * Lookups by kind and result, for the API's /metrics: hit (from memory), refresh (from memory, and
   * read again in the background near its max age), miss (queried, kept), bypass (not listening).
   */
  readonly lookups = { booking: { hit: 0, refresh: 0, miss: 0, bypass: 0 }, list: { hit: 0, refresh: 0, miss: 0, bypass: 0 } };
  /** Lists being read again in the background. */
  private readonly listRefreshes = new Set<string>();
  private readonly maxAgeMs: number;
  /** The last notification heard ("<table>:<booking id>"): PostgreSQL delivers them in commit order. */
  lastHeard = '';

  /** `changes`: the API's shared listener (listening on READ_MODEL_CHANNEL), or a database URL to listen with a connection of its own. */
  constructor(
    private readonly db: Kysely<Database>,
    changes: string | ChangeListener,
    options: ReadCacheOptions = {},
  ) {
    this.ownsListener = typeof changes === 'string';
    this.listener = typeof changes === 'string' ? new ChangeListener(changes, [READ_MODEL_CHANNEL], options) : changes;
    this.listener.subscribe({
      changed: (channel, payload) => {
        if (channel !== READ_MODEL_CHANNEL || !payload) return;
        const colon = payload.indexOf(':');
        this.lastHeard = payload;
        this.changed(payload.slice(0, colon), payload.slice(colon + 1));
      },
      lost: () => this.stopKeeping(),
    });
    const ttl = options.maxAgeMs ?? 60_000;
    this.maxAgeMs = ttl;
    this.bookings = new LRUCache({ max: options.maxBookings ?? 10_000, ttl });
    this.lists = new LRUCache({ max: options.maxLists ?? 1_000, ttl });
  }

  /** Whether reads are kept now (the listening connection is up). */
  get active(): boolean {
    return this.listening;
  }

  private get listening(): boolean {
    return this.listener.listening;
  }

  /** Its own listener: connects and listens; resolves once listening (or after the first failure, retrying in the background). */
  async start(): Promise<void> {
    if (this.ownsListener) await this.listener.start();
  }

  async close(): Promise<void> {
    if (this.ownsListener) await this.listener.close();
    this.stopKeeping();
  }

  /** The booking as `readBooking` reads it, from memory when no change was heard since it was kept. */
  async read(id: string): Promise<BookingRead | null> {
    if (!this.listening) {
      this.count('booking', 'bypass');
      return readBooking(this.db, id);
    }
    const kept = this.bookings.get(id);
    if (kept) {
      const refresh = nearMaxAge(this.bookings, id, this.maxAgeMs) && !this.inFlight.has(id);
      this.count('booking', refresh ? 'refresh' : 'hit');
      // A failed refresh changes nothing: the kept read expires at its max age as before.
      if (refresh) this.load(id).catch(() => undefined);
      return kept;
    }
    this.count('booking', 'miss');
    return this.load(id);
  }

  /** Reads the booking from PostgreSQL and keeps it, unless a change overtook the read. */
  private async load(id: string): Promise<BookingRead | null> {
    // A read in flight is shared, unless a change was heard since it began: it may not show that change.
    const pending = this.inFlight.get(id);
    if (pending && !pending.overtaken) return pending.read;
    const flight = { read: readBooking(this.db, id), overtaken: false };
    this.inFlight.set(id, flight);
    try {
      const read = await flight.read;
      // Not kept: a booking not (yet) in the read model, or one that changed while it was read.
      if (read && !flight.overtaken && this.listening) this.bookings.set(id, read, { ttl: keepFor(this.maxAgeMs) });
      return read;
    } finally {
      if (this.inFlight.get(id) === flight) this.inFlight.delete(id);
    }
  }

  /** A list (a filter and a page) through `load`, kept until any booking's view changes. */
  async list<T extends object>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.listening) {
      this.count('list', 'bypass');
      return load();
    }
    const kept = this.lists.get(key) as T | undefined;
    if (kept !== undefined) {
      const refresh = nearMaxAge(this.lists, key, this.maxAgeMs) && !this.listRefreshes.has(key);
      this.count('list', refresh ? 'refresh' : 'hit');
      if (refresh) {
        this.listRefreshes.add(key);
        this.loadList(key, load)
          .catch(() => undefined)
          .finally(() => this.listRefreshes.delete(key));
      }
      return kept;
    }
    this.count('list', 'miss');
    return this.loadList(key, load);
  }

  private async loadList<T extends object>(key: string, load: () => Promise<T>): Promise<T> {
    const generation = this.listGeneration;
    const value = await load();
    if (generation === this.listGeneration && this.listening) this.lists.set(key, value, { ttl: keepFor(this.maxAgeMs) });
    return value;
  }

  /** This process changed the booking itself: drop it now rather than when the notification comes. */
  forget(id: string): void {
    this.changed('view', id);
  }

  private count(kind: 'booking' | 'list', result: 'hit' | 'refresh' | 'miss' | 'bypass'): void {
    this.lookups[kind][result]++;
  }

  private changed(kind: string, id: string): void {
    this.bookings.delete(id);
    const flight = this.inFlight.get(id);
    if (flight) flight.overtaken = true;
    if (kind === 'view') {
      this.listGeneration++;
      this.lists.clear();
    }
  }

  /** Nothing kept can be trusted once a notification may have been missed. */
  private stopKeeping(): void {
    this.bookings.clear();
    this.lists.clear();
    this.listGeneration++;
    for (const flight of this.inFlight.values()) flight.overtaken = true;
  }
}
