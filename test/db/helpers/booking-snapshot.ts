import type { BookingSnapshot } from '../../../workflows/types';

/** A one-host booking's snapshot as the bookkeeping activity writes it to the read model. */
export function bookingSnapshot(seq: number, state: BookingSnapshot['state'], createdAt = '2026-12-05T01:00:00.000Z'): BookingSnapshot {
  return {
    seq,
    createdAt,
    lab: 'sim',
    project: 'demo',
    owner: 'alice',
    state,
    start: '2026-12-05T01:00:00.000Z',
    end: '2026-12-05T02:00:00.000Z',
    networks: [{ name: 'public', vlan: 101 }],
    hosts: [{ name: 'sim-01', hostname: 'sim-01', image: 'ubuntu-22.04' }],
    bookingSteps: [],
    credentialsPending: false,
    leftovers: [],
  };
}
