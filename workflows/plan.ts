import type { Allocation, BookingInput, HostInput, HostRequest, NicPlan } from './types';

/** How long a held step waits for an operator when the booking does not say. */
export const DEFAULT_HOLD_MS = 4 * 3_600_000;

/** Resolve a host request's networks to VLANs: what its child workflow needs, and nothing secret. */
export function planHost(input: BookingInput, req: HostRequest, host: string, allocation: Allocation, parentWorkflowId: string): HostInput {
  const nics: NicPlan[] = Object.entries(req.interfaces).map(([nic, nets]) => {
    const vlan = (network: string) => ({ network, vlan: allocation.vlans[network]! });
    const native = nets.find((n) => !n.tagged);
    return { nic, native: native ? vlan(native.network) : null, tagged: nets.filter((n) => n.tagged).map((n) => vlan(n.network)) };
  });
  return {
    bookingId: input.id,
    lab: input.lab,
    host,
    image: req.image,
    hostname: req.hostname ?? host,
    nics,
    publicNetwork: input.networks.find((n) => n.public)?.name ?? null,
    sshKeys: input.access.sshKeys,
    parentWorkflowId,
    failurePolicy: input.failurePolicy ?? 'compensate',
    holdTimeoutMs: input.holdTimeoutMs ?? DEFAULT_HOLD_MS,
    leaseEnd: input.end,
  };
}
