import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './database';
import {
  BadArgumentError,
  BookingNotReleased,
  BookingReleased,
  HostUnavailable,
  LeaseTooLong,
  NoFreeHost,
  NoFreeVlan,
  pgCode,
  PG_EXCLUSION_VIOLATION,
  UnknownBooking,
  UnknownHost,
  VlanUnavailable,
} from './errors';
import { rangeSql, type TimeRange, toDate, toRange } from './ranges';

/**
 * One host of a booking: named, or "any free host of this flavor" (optionally with
 * matching attributes). Exactly one of `name` and `flavor`.
 */
export interface HostRequest {
  name?: string | undefined;
  flavor?: string | undefined;
  attributes?: Record<string, unknown> | undefined;
}

export interface AllocateBookingInput {
  /** The idempotency key: allocating the same booking twice returns the first allocation (until it is released and reopened). */
  bookingId: string;
  /** Lab whose hosts and VLAN pool to use; defaults to the named hosts' lab, or the only lab. */
  lab?: string;
  project?: string;
  owner?: string;
  hosts: HostRequest[];
  /** How many VLANs to take from the pool (defaults to the number of `networks`). */
  vlanCount?: number;
  /** The booking's own network names, one VLAN each, in order. */
  networks?: string[];
  /**
   * Networks that must get a given VLAN id (e.g. the one a dashboard allocated and showed its
   * user): taken from the lab's pool, refused with VlanUnavailable when another booking holds it.
   */
  requestedVlans?: Record<string, number>;
  range: { start: Date | string; end: Date | string };
}

export interface BookingAllocation {
  bookingId: string;
  lab: string | null;
  range: TimeRange;
  /** In the order they were requested. */
  hosts: { name: string; flavor: string | null }[];
  vlans: { vlan: number; network: string | null }[];
  released: boolean;
}

type Trx = Transaction<Database>;

const PG_DEADLOCK = '40P01';
const PG_SERIALIZATION = '40001';

/**
 * Runs `work` in a transaction, again when PostgreSQL chose it as a deadlock victim or
 * when a concurrent writer won a race the work checks for first (the retry then sees it).
 */
async function inTransaction<T>(db: Kysely<Database>, work: (trx: Trx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      const code = pgCode(err);
      const transient = code === PG_DEADLOCK || code === PG_SERIALIZATION || code === PG_EXCLUSION_VIOLATION;
      if (!transient || attempt >= 5) throw err;
    }
  }
}

export async function allocateBooking(db: Kysely<Database>, input: AllocateBookingInput): Promise<BookingAllocation> {
  const range = toRange(input.range);
  const networks = input.networks ?? [];
  const vlanCount = input.vlanCount ?? networks.length;
  if (!input.bookingId) throw new BadArgumentError('bookingId must not be empty', { what: 'bookingId' });
  if (!Number.isInteger(vlanCount) || vlanCount < 0) throw new BadArgumentError('vlanCount must be a whole number ≥ 0', { what: 'vlanCount' });
  if (networks.length && networks.length !== vlanCount) {
    throw new BadArgumentError(`vlanCount (${vlanCount}) differs from the number of networks (${networks.length})`, { what: 'vlanCount' });
  }
  if (new Set(networks).size !== networks.length) throw new BadArgumentError('network names of a booking must differ', { what: 'networks' });
  input.hosts.forEach((h, i) => {
    if (!h.name === !h.flavor) throw new BadArgumentError(`hosts[${i}] must have either a name or a flavor`, { what: `hosts.${i}` });
  });
  const names = input.hosts.flatMap((h) => (h.name ? [h.name] : []));
  if (new Set(names).size !== names.length) throw new BadArgumentError('a host is named twice in the booking', { what: 'hosts' });

  return inTransaction(db, async (trx) => {
    const existing = await claimBooking(trx, input, range);
    if (existing) return existing;

    const lab = await resolveLab(trx, input, names);
    if (lab) {
      const hours = (range.end.getTime() - range.start.getTime()) / 3_600_000;
      if (hours > lab.max_lease_hours) throw new LeaseTooLong(hours, lab.max_lease_hours);
      await trx.updateTable('bookings').set({ lab_id: lab.id }).where('id', '=', input.bookingId).execute();
    }

    const picked: number[] = [];
    for (const request of input.hosts) {
      picked.push(
        request.name
          ? await takeNamedHost(trx, input.bookingId, request.name, range)
          : await takeHostOfFlavor(trx, input.bookingId, { flavor: request.flavor!, attributes: request.attributes }, range, lab?.id, picked),
      );
    }
    if (vlanCount > 0) {
      if (!lab) throw new BadArgumentError('VLANs were asked for but no lab is known: name the lab', { what: 'lab' });
      const requested = input.requestedVlans ?? {};
      for (const [network, vlan] of Object.entries(requested)) {
        if (!networks.includes(network)) throw new BadArgumentError(`a VLAN is requested for network ${network}, which the booking does not have`, { what: 'networks' });
        await takeRequestedVlan(trx, input.bookingId, lab, network, vlan, range);
      }
      const rest = networks.filter((n) => !(n in requested));
      await takeVlans(trx, input.bookingId, lab, rest, vlanCount - (networks.length - rest.length), range);
    }
    const allocation = await readBookingAllocation(trx, input.bookingId);
    if (!allocation) throw new Error(`booking ${input.bookingId} vanished inside its own transaction`);
    return allocation;
  });
}

/**
 * The booking's row for an allocation: answers the allocation to return unchanged (the same
 * booking allocated before), or undefined when the caller allocates now: a new booking, or one
 * that `reopenBooking` opened again (not released, holding nothing). A released booking is
 * refused, so a late attempt can never take hosts back after the undo released them.
 */
async function claimBooking(trx: Trx, input: AllocateBookingInput, range: TimeRange): Promise<BookingAllocation | undefined> {
  const row = { project: input.project ?? null, owner: input.owner ?? null, during: rangeSql(range.start, range.end) };
  const created = await trx
    .insertInto('bookings')
    .values({ id: input.bookingId, ...row })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (created) return undefined;
  // Locked, so two attempts at a reopened booking take turns: the second finds the first's allocation.
  const locked = await trx.selectFrom('bookings').select('id').where('id', '=', input.bookingId).forUpdate().executeTakeFirst();
  const existing = locked ? await readBookingAllocation(trx, input.bookingId) : undefined;
  if (!existing || existing.released) throw new BookingReleased(input.bookingId);
  if (existing.hosts.length || existing.vlans.length) return existing;
  await trx.updateTable('bookings').set(row).where('id', '=', input.bookingId).execute();
  return undefined;
}

async function resolveLab(trx: Trx, input: AllocateBookingInput, names: string[]): Promise<{ id: number; name: string; max_lease_hours: number } | undefined> {
  const columns = ['labs.id', 'labs.name', 'labs.max_lease_hours'] as const;
  if (input.lab) {
    const lab = await trx.selectFrom('labs').select(columns).where('name', '=', input.lab).executeTakeFirst();
    if (!lab) throw new BadArgumentError(`lab ${input.lab} does not exist`, { what: 'lab' });
    return lab;
  }
  if (names.length) {
    const labs = await trx.selectFrom('hosts').innerJoin('labs', 'labs.id', 'hosts.lab_id').select(columns).distinct().where('hosts.name', 'in', names).execute();
    if (labs.length > 1) throw new BadArgumentError('the named hosts are in different labs; a booking stays in one lab', { what: 'hosts' });
    if (labs[0]) return labs[0];
  }
  const all = await trx.selectFrom('labs').select(columns).limit(2).execute();
  return all.length === 1 ? all[0] : undefined;
}

async function takeNamedHost(trx: Trx, bookingId: string, name: string, range: TimeRange): Promise<number> {
  const host = await trx.selectFrom('hosts').select(['id', 'state']).where('name', '=', name).executeTakeFirst();
  if (!host) throw new UnknownHost(name);
  if (host.state !== 'available') throw new HostUnavailable(name, `it is in ${host.state}`);
  if (await tryHoldHost(trx, host.id, bookingId, range)) return host.id;
  const conflict = await hostConflict(trx, host.id, bookingId, range);
  throw new HostUnavailable(name, 'another booking or a project holds it over the requested time range', conflict);
}

async function takeHostOfFlavor(
  trx: Trx,
  bookingId: string,
  request: { flavor: string; attributes?: Record<string, unknown> | undefined },
  range: TimeRange,
  labId: number | undefined,
  exclude: number[],
): Promise<number> {
  let query = trx
    .selectFrom('hosts')
    .select('hosts.id')
    .where('flavor', '=', request.flavor)
    .where('state', '=', 'available')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('host_allocations as a')
            .select(sql`1`.as('one'))
            .whereRef('a.host_id', '=', 'hosts.id')
            .where(sql<boolean>`a.during && ${rangeSql(range.start, range.end)}`),
        ),
      ),
    )
    .orderBy('name');
  if (labId !== undefined) query = query.where('lab_id', '=', labId);
  if (exclude.length) query = query.where('hosts.id', 'not in', exclude);
  if (request.attributes && Object.keys(request.attributes).length) {
    query = query.where(sql<boolean>`attributes @> ${JSON.stringify(request.attributes)}::jsonb`);
  }
  // A candidate may be taken by a concurrent booking between the look-up and the insert: try the next.
  for (const candidate of await query.execute()) {
    if (await tryHoldHost(trx, candidate.id, bookingId, range)) return candidate.id;
  }
  throw new NoFreeHost(request.flavor);
}

/** Inserts the holding unless it overlaps another: the exclusion constraint decides, not a read. */
async function tryHoldHost(trx: Trx, hostId: number, bookingId: string, range: TimeRange): Promise<boolean> {
  const row = await trx
    .insertInto('host_allocations')
    .values({ host_id: hostId, booking_id: bookingId, during: rangeSql(range.start, range.end) })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

async function hostConflict(trx: Trx, hostId: number, bookingId: string, range: TimeRange) {
  const row = await trx
    .selectFrom('host_allocations')
    .select([sql<Date>`lower(during)`.as('start'), sql<Date | null>`upper(during)`.as('end')])
    .where('host_id', '=', hostId)
    .where(sql<boolean>`booking_id is distinct from ${bookingId}`)
    .where(sql<boolean>`during && ${rangeSql(range.start, range.end)}`)
    .orderBy(sql`lower(during)`)
    .executeTakeFirst();
  return row ? { start: row.start, end: row.end } : undefined;
}

/** One VLAN by its id: it must be in the lab's pool and held by nobody else over the range. */
async function takeRequestedVlan(trx: Trx, bookingId: string, lab: { id: number; name: string }, network: string, vlan: number, range: TimeRange): Promise<void> {
  const pooled = await trx.selectFrom('vlan_pool').select('id').where('lab_id', '=', lab.id).where('vlan', '=', vlan).executeTakeFirst();
  if (!pooled) throw new BadArgumentError(`VLAN ${vlan} (network ${network}) is not in lab ${lab.name}'s VLAN pool`, { what: 'networks' });
  const held = await trx
    .selectFrom('vlan_allocations')
    .select(sql<string>`lower(during)`.as('start'))
    .select(sql<string | null>`upper(during)`.as('end'))
    .where('vlan_pool_id', '=', pooled.id)
    .where(sql<boolean>`during && ${rangeSql(range.start, range.end)}`)
    .executeTakeFirst();
  if (held) throw new VlanUnavailable(vlan, { start: new Date(held.start), end: held.end === null ? null : new Date(held.end) });
  // A concurrent taker makes this insert violate the no-overlap constraint: the retry then finds it held.
  await trx
    .insertInto('vlan_allocations')
    .values({ vlan_pool_id: pooled.id, booking_id: bookingId, booking_network: network, during: rangeSql(range.start, range.end) })
    .execute();
}

async function takeVlans(trx: Trx, bookingId: string, lab: { id: number; name: string }, networks: string[], count: number, range: TimeRange): Promise<void> {
  const free = await trx
    .selectFrom('vlan_pool as p')
    .select(['p.id', 'p.vlan'])
    .where('p.lab_id', '=', lab.id)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('vlan_allocations as a')
            .select(sql`1`.as('one'))
            .whereRef('a.vlan_pool_id', '=', 'p.id')
            .where(sql<boolean>`a.during && ${rangeSql(range.start, range.end)}`),
        ),
      ),
    )
    .orderBy('p.vlan')
    .execute();
  let taken = 0;
  for (const vlan of free) {
    if (taken === count) break;
    const row = await trx
      .insertInto('vlan_allocations')
      .values({ vlan_pool_id: vlan.id, booking_id: bookingId, booking_network: networks[taken] ?? null, during: rangeSql(range.start, range.end) })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) taken++;
  }
  if (taken < count) throw new NoFreeVlan(lab.name, count, taken);
}

/** What a booking holds, or undefined for a booking never allocated. */
export async function readBookingAllocation(db: Kysely<Database>, bookingId: string): Promise<BookingAllocation | undefined> {
  const booking = await db
    .selectFrom('bookings')
    .leftJoin('labs', 'labs.id', 'bookings.lab_id')
    .select(['bookings.id', 'labs.name as lab', 'bookings.released_at', sql<Date>`lower(bookings.during)`.as('start'), sql<Date>`upper(bookings.during)`.as('end')])
    .where('bookings.id', '=', bookingId)
    .executeTakeFirst();
  if (!booking) return undefined;
  const hosts = await db
    .selectFrom('host_allocations as a')
    .innerJoin('hosts', 'hosts.id', 'a.host_id')
    .select(['hosts.name', 'hosts.flavor'])
    .where('a.booking_id', '=', bookingId)
    .orderBy('a.id')
    .execute();
  const vlans = await db
    .selectFrom('vlan_allocations as a')
    .innerJoin('vlan_pool as p', 'p.id', 'a.vlan_pool_id')
    .select(['p.vlan', 'a.booking_network as network'])
    .where('a.booking_id', '=', bookingId)
    .orderBy('a.id')
    .execute();
  return {
    bookingId: booking.id,
    lab: booking.lab,
    range: { start: booking.start, end: booking.end },
    hosts,
    vlans,
    released: booking.released_at !== null,
  };
}

/**
 * Moves the end of everything the booking holds. Refused with the conflicting
 * range when another booking or project holds one of its hosts or VLANs then.
 */
export async function extendBooking(db: Kysely<Database>, bookingId: string, newEnd: Date | string): Promise<BookingAllocation> {
  const end = toDate(newEnd, 'end');
  return inTransaction(db, async (trx) => {
    const booking = await trx
      .selectFrom('bookings')
      .leftJoin('labs', 'labs.id', 'bookings.lab_id')
      .select(['bookings.released_at', 'labs.max_lease_hours', sql<Date>`lower(bookings.during)`.as('start')])
      .where('bookings.id', '=', bookingId)
      .forUpdate('bookings')
      .executeTakeFirst();
    if (!booking) throw new UnknownBooking(bookingId);
    if (booking.released_at) throw new BookingReleased(bookingId);
    if (end.getTime() <= booking.start.getTime()) throw new BadArgumentError('the new end must be after the booking start', { what: 'end' });
    const hours = (end.getTime() - booking.start.getTime()) / 3_600_000;
    if (booking.max_lease_hours !== null && hours > booking.max_lease_hours) throw new LeaseTooLong(hours, booking.max_lease_hours);
    const range = { start: booking.start, end };

    const hosts = await trx
      .selectFrom('host_allocations as a')
      .innerJoin('hosts', 'hosts.id', 'a.host_id')
      .select(['a.host_id', 'hosts.name'])
      .where('a.booking_id', '=', bookingId)
      .execute();
    for (const h of hosts) {
      const conflict = await hostConflict(trx, h.host_id, bookingId, range);
      if (conflict) throw new HostUnavailable(h.name, 'another booking or a project holds it over the extended range', conflict);
    }
    const vlans = await trx
      .selectFrom('vlan_allocations as a')
      .innerJoin('vlan_pool as p', 'p.id', 'a.vlan_pool_id')
      .select(['a.vlan_pool_id', 'p.vlan'])
      .where('a.booking_id', '=', bookingId)
      .execute();
    for (const v of vlans) {
      const conflict = await trx
        .selectFrom('vlan_allocations')
        .select([sql<Date>`lower(during)`.as('start'), sql<Date | null>`upper(during)`.as('end')])
        .where('vlan_pool_id', '=', v.vlan_pool_id)
        .where(sql<boolean>`booking_id is distinct from ${bookingId}`)
        .where(sql<boolean>`during && ${rangeSql(range.start, range.end)}`)
        .executeTakeFirst();
      if (conflict) throw new VlanUnavailable(v.vlan, conflict);
    }
    // A booking that took the same slot since the checks makes these fail; the retry reports it.
    const moved = sql<string>`tstzrange(lower(during), ${end}::timestamptz, '[)')`;
    await trx.updateTable('host_allocations').set({ during: moved }).where('booking_id', '=', bookingId).execute();
    await trx.updateTable('vlan_allocations').set({ during: moved }).where('booking_id', '=', bookingId).execute();
    await trx.updateTable('bookings').set({ during: moved }).where('id', '=', bookingId).execute();
    const allocation = await readBookingAllocation(trx, bookingId);
    if (!allocation) throw new UnknownBooking(bookingId);
    return allocation;
  });
}

/**
 * Gives back every host and VLAN the booking holds. Idempotent: releasing a
 * released or never-allocated booking changes nothing (the saga's undo may run twice).
 */
export async function releaseBooking(db: Kysely<Database>, bookingId: string): Promise<{ released: boolean }> {
  return inTransaction(db, async (trx) => {
    await trx.deleteFrom('host_allocations').where('booking_id', '=', bookingId).execute();
    await trx.deleteFrom('vlan_allocations').where('booking_id', '=', bookingId).execute();
    const row = await trx
      .updateTable('bookings')
      .set({ released_at: sql<Date>`now()` })
      .where('id', '=', bookingId)
      .where('released_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return { released: row !== undefined };
  });
}

/**
 * What `reopenBooking` found: `reopened` (it was released and is open again), `open` (reopened
 * before and not allocated since: nothing to do), `unallocated` (the booking never got as far as
 * an allocation, so its next allocation starts from scratch anyway).
 */
export type ReopenOutcome = 'reopened' | 'open' | 'unallocated';

/**
 * Opens a released booking again, so that a reset run of its workflow allocates it afresh: clears
 * `released_at` and drops any holding row left on it, in one transaction, keeping the booking row
 * (its id, project, owner, creation time) and everything recorded about it. The next
 * `allocateBooking` of the booking takes its hosts and VLANs again against everyone else's, and
 * fails with the usual typed reason (HostUnavailable, NoFreeHost, NoFreeVlan) if they were taken
 * meanwhile; the workflow's undo then releases the booking again. A booking that still holds its
 * allocation is refused (`BookingNotReleased`): only a released one is reopened.
 */
export async function reopenBooking(db: Kysely<Database>, bookingId: string): Promise<ReopenOutcome> {
  return inTransaction(db, async (trx) => {
    const booking = await trx.selectFrom('bookings').select('released_at').where('id', '=', bookingId).forUpdate().executeTakeFirst();
    if (!booking) return 'unallocated';
    if (!booking.released_at) {
      const held = await readBookingAllocation(trx, bookingId);
      if (held && (held.hosts.length || held.vlans.length)) {
        throw new BookingNotReleased(bookingId);
      }
      return 'open';
    }
    // Release deletes them; any row still here is stale and would be returned as the new allocation.
    await trx.deleteFrom('host_allocations').where('booking_id', '=', bookingId).execute();
    await trx.deleteFrom('vlan_allocations').where('booking_id', '=', bookingId).execute();
    await trx.updateTable('bookings').set({ released_at: null }).where('id', '=', bookingId).execute();
    return 'reopened';
  });
}

/**
 * Swap a booking's host for another free host of the flavor, over the same range, in one
 * transaction (the failed host stays out of service separately). Idempotent: when `failed` is no
 * longer held and the booking already holds a host outside `keep`, that host is the answer.
 */
export async function substituteHost(
  db: Kysely<Database>,
  input: { bookingId: string; failed: string; keep: string[]; flavor: string; attributes?: Record<string, unknown> | undefined },
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const booking = await readBookingAllocation(trx, input.bookingId);
    if (!booking) throw new UnknownBooking(input.bookingId);
    if (booking.released) throw new BookingReleased(input.bookingId);
    const held = booking.hosts.map((h) => h.name);
    const already = held.find((h) => h !== input.failed && !input.keep.includes(h));
    if (!held.includes(input.failed) && already) return already;
    const failed = await trx.selectFrom('hosts').select('id').where('name', '=', input.failed).executeTakeFirst();
    if (failed) await trx.deleteFrom('host_allocations').where('booking_id', '=', input.bookingId).where('host_id', '=', failed.id).execute();
    const lab = booking.lab ? await trx.selectFrom('labs').select('id').where('name', '=', booking.lab).executeTakeFirst() : undefined;
    const keepIds = held.length
      ? (await trx.selectFrom('hosts').select('id').where('name', 'in', held).execute()).map((h) => h.id)
      : [];
    const id = await takeHostOfFlavor(trx, input.bookingId, { flavor: input.flavor, attributes: input.attributes }, booking.range, lab?.id, [...keepIds, ...(failed ? [failed.id] : [])]);
    const row = await trx.selectFrom('hosts').select('name').where('id', '=', id).executeTakeFirstOrThrow();
    return row.name;
  });
}
