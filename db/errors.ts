/**
 * Typed inventory and allocation errors. `type` is stable: the HIL API puts it
 * in `{"type", "msg"}` and the booking activities turn it into an
 * ApplicationFailure type. Messages name what is wrong and never carry secrets.
 */
export class InventoryError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }
}

export function isInventoryError(err: unknown): err is InventoryError {
  return err instanceof InventoryError;
}

// The names HIL clients already know (hil/errors.py), so their scripts keep matching on them.
export class NotFoundError extends InventoryError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('NotFoundError', message, details);
  }
}
export class DuplicateError extends InventoryError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DuplicateError', message, details);
  }
}
export class BlockedError extends InventoryError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('BlockedError', message, details);
  }
}
export class ProjectMismatchError extends InventoryError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ProjectMismatchError', message, details);
  }
}
export class IllegalStateError extends InventoryError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('IllegalStateError', message, details);
  }
}
export class BadArgumentError extends InventoryError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('BadArgumentError', message, details);
  }
}
export class AuthorizationError extends InventoryError {
  constructor(message: string) {
    super('AuthorizationError', message);
  }
}
/** HIL's name for "the pool is exhausted" (network create with net_id ""). */
export class AllocationError extends InventoryError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('AllocationError', message, details);
  }
}

// Booking allocation: what the booking workflow sees when it cannot have what it asked for.
export class UnknownHost extends InventoryError {
  constructor(host: string) {
    super('UnknownHost', `host ${host} is not in the inventory`, { host });
  }
}
/** The conflicting range, in words a dashboard can show. */
function heldOver(conflict?: { start: Date; end: Date | null }): string {
  if (!conflict) return '';
  return ` (held from ${conflict.start.toISOString()} ${conflict.end ? `to ${conflict.end.toISOString()}` : 'with no end'})`;
}

export class HostUnavailable extends InventoryError {
  constructor(host: string, why: string, conflict?: { start: Date; end: Date | null }) {
    super('HostUnavailable', `host ${host} is not available: ${why}${heldOver(conflict)}`, { host, ...(conflict ? { conflict } : {}) });
  }
}
export class NoFreeHost extends InventoryError {
  constructor(flavor: string) {
    super('NoFreeHost', `no free host of flavor ${flavor} for the requested time range`, { flavor });
  }
}
export class NoFreeVlan extends InventoryError {
  constructor(lab: string, wanted: number, found: number) {
    super('NoFreeVlan', `the VLAN pool of lab ${lab} has ${found} free VLAN(s) for the requested time range, ${wanted} wanted`, {
      lab,
      wanted,
      found,
    });
  }
}
export class VlanUnavailable extends InventoryError {
  constructor(vlan: number, conflict?: { start: Date; end: Date | null }) {
    super('VlanUnavailable', `VLAN ${vlan} is held by another booking or network over the requested time range${heldOver(conflict)}`, {
      vlan,
      ...(conflict ? { conflict } : {}),
    });
  }
}
export class LeaseTooLong extends InventoryError {
  constructor(hours: number, maxHours: number) {
    super('LeaseTooLong', `a lease of ${hours.toFixed(1)} h exceeds the lab's maximum of ${maxHours} h`, { hours, maxHours });
  }
}
export class UnknownBooking extends InventoryError {
  constructor(bookingId: string) {
    super('UnknownBooking', `booking ${bookingId} holds no allocation`, { bookingId });
  }
}
export class BookingReleased extends InventoryError {
  constructor(bookingId: string) {
    super('BookingReleased', `booking ${bookingId} was released; its allocation cannot change`, { bookingId });
  }
}

export class BookingNotReleased extends InventoryError {
  constructor(bookingId: string) {
    super('BookingNotReleased', `booking ${bookingId} still holds its allocation: only a released booking is reopened`, { bookingId });
  }
}

/** PostgreSQL SQLSTATEs we turn into typed errors. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
export const PG_EXCLUSION_VIOLATION = '23P01';

export function pgCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}
