import type { Lab } from '../../config/lab';
import type { AllocationRequest, Allocator } from '../../activities/deps';
import type { Allocation } from '../../workflows/types';
import { DeviceError } from '../../drivers/errors';

interface Held {
  hosts: string[];
  vlans: Record<string, number>;
  start: number;
  end: number;
}

/**
 * In-memory allocation for the simulated lab of the skeleton: same contract as the PostgreSQL
 * allocator (idempotent by booking, typed refusals), but held by one process.
 */
export class MemoryAllocator implements Allocator {
  private readonly held = new Map<string, Held>();
  constructor(private readonly lab: Lab) {}

  allocate(r: AllocationRequest): Promise<Allocation> {
    const existing = this.held.get(r.bookingId);
    if (existing) return Promise.resolve({ hosts: existing.hosts, vlans: existing.vlans });
    const start = Date.parse(r.start);
    const end = Date.parse(r.end);
    const overlapping = [...this.held.values()].filter((h) => h.start < end && start < h.end);
    const busyHosts = new Set(overlapping.flatMap((h) => h.hosts));
    const busyVlans = new Set(overlapping.flatMap((h) => Object.values(h.vlans)));
    const hosts: string[] = [];
    for (const want of r.hosts) {
      const candidates = this.lab.hosts.filter((h) => (want.name ? h.name === want.name : h.flavor === want.flavor));
      if (want.name && candidates.length === 0) throw new DeviceError('UnknownHost', `host ${want.name} is not in lab ${this.lab.name}`, false);
      const free = candidates.find((h) => !busyHosts.has(h.name) && !hosts.includes(h.name));
      if (!free) throw new DeviceError('HostUnavailable', `no free host ${want.name ?? `of flavor ${want.flavor}`} for the booking's range`, false);
      hosts.push(free.name);
    }
    const vlans: Record<string, number> = {};
    for (const [net, vlan] of Object.entries(r.requestedVlans ?? {})) {
      if (vlan < this.lab.vlanPool.from || vlan > this.lab.vlanPool.to) throw new DeviceError('InvalidInput', `VLAN ${vlan} is not in lab ${this.lab.name}'s VLAN pool`, false);
      if (busyVlans.has(vlan)) throw new DeviceError('VlanUnavailable', `VLAN ${vlan} is held by another booking over the requested time range`, false);
      vlans[net] = vlan;
      busyVlans.add(vlan);
    }
    let next = this.lab.vlanPool.from;
    for (const net of r.networks.filter((n) => !(n in vlans))) {
      while (next <= this.lab.vlanPool.to && busyVlans.has(next)) next++;
      if (next > this.lab.vlanPool.to) throw new DeviceError('NoFreeVlan', `no free VLAN in ${this.lab.vlanPool.from}-${this.lab.vlanPool.to}`, false);
      vlans[net] = next++;
    }
    this.held.set(r.bookingId, { hosts, vlans, start, end });
    return Promise.resolve({ hosts, vlans });
  }

  substitute(request: { bookingId: string; failed: string; keep: string[]; flavor: string }): Promise<string> {
    const mine = this.held.get(request.bookingId);
    if (!mine) throw new DeviceError('UnknownBooking', `booking ${request.bookingId} holds nothing`, false);
    const busy = new Set([...this.held.entries()].filter(([id, h]) => id !== request.bookingId && h.start < mine.end && mine.start < h.end).flatMap(([, h]) => h.hosts));
    const free = this.lab.hosts.find((h) => h.flavor === request.flavor && h.name !== request.failed && !mine.hosts.includes(h.name) && !busy.has(h.name));
    if (!free) throw new DeviceError('NoFreeHost', `no free host of flavor ${request.flavor}`, false);
    mine.hosts = mine.hosts.map((h) => (h === request.failed ? free.name : h));
    return Promise.resolve(free.name);
  }

  extend(bookingId: string, end: string): Promise<void> {
    const mine = this.held.get(bookingId);
    if (!mine) throw new DeviceError('UnknownBooking', `booking ${bookingId} holds nothing`, false);
    const newEnd = Date.parse(end);
    for (const [other, h] of this.held) {
      if (other === bookingId || !(h.start < newEnd && mine.start < h.end)) continue;
      const clash = h.hosts.filter((x) => mine.hosts.includes(x));
      const vlanClash = Object.values(h.vlans).filter((v) => Object.values(mine.vlans).includes(v));
      if (clash.length || vlanClash.length) {
        const range = `[${new Date(h.start).toISOString()}, ${new Date(h.end).toISOString()})`;
        throw new DeviceError('HostUnavailable', `${[...clash, ...vlanClash.map((v) => `VLAN ${v}`)].join(', ')} taken over ${range}`, false, {
          conflictingRange: { start: new Date(h.start).toISOString(), end: new Date(h.end).toISOString() },
        });
      }
    }
    mine.end = newEnd;
    return Promise.resolve();
  }

  release(bookingId: string): Promise<void> {
    this.held.delete(bookingId);
    return Promise.resolve();
  }
}
