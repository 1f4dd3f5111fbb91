import type { BookingInput, BookingSnapshot, BookingStatus } from './types';

/**
 * What the read model keeps of the booking (workflows/types.ts BookingSnapshot): plain data, no
 * secrets (only whether generated VPN passwords wait for their owner), no host steps (each step's
 * activity records its own). A host's image is its request's: status.hosts follows the request's order.
 */
export function snapshotOf(status: BookingStatus, input: BookingInput, seq: number, createdAt: Date): BookingSnapshot {
  return {
    seq,
    createdAt: createdAt.toISOString(),
    lab: status.lab,
    project: status.project,
    owner: status.owner,
    state: status.state,
    start: status.start,
    end: status.end,
    networks: status.networks.map((n) => ({ ...n })),
    hosts: status.hosts.map((h, i) => ({
      name: h.name,
      hostname: h.hostname,
      ...(input.hosts[i]?.image ? { image: input.hosts[i].image } : {}),
      ...(h.held ? { held: { ...h.held } } : {}),
    })),
    bookingSteps: status.bookingSteps.map((s) => ({ ...s })),
    ...(status.headnode ? { headnode: status.headnode } : {}),
    ...(status.vpnAccounts ? { vpnAccounts: [...status.vpnAccounts] } : {}),
    credentialsPending: status.vpnPasswords !== undefined,
    leftovers: status.leftovers.map((l) => ({ ...l })),
    ...(status.error ? { error: status.error } : {}),
  };
}
