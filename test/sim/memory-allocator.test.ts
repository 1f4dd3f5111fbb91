/** The in-memory allocator of the simulated lab takes requested VLAN ids like the PostgreSQL one. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadLab } from '../../config/load-lab';
import { MemoryAllocator } from '../../sim/lab/allocator';

const lab = loadLab(join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml'));
const request = (bookingId: string, host: string, requestedVlans?: Record<string, number>) => ({
  bookingId,
  hosts: [{ name: host }],
  networks: ['a', 'b'],
  ...(requestedVlans ? { requestedVlans } : {}),
  start: '2030-01-01T00:00:00Z',
  end: '2030-01-02T00:00:00Z',
});

describe('the simulated lab allocator', () => {
  it('gives a network its requested VLAN, the others from the pool, and refuses a held or foreign one', async () => {
    const allocator = new MemoryAllocator(lab);
    expect((await allocator.allocate(request('b1', 'sim-01', { b: 1000 }))).vlans).toEqual({ b: 1000, a: 1001 });
    await expect(Promise.resolve().then(() => allocator.allocate(request('b2', 'sim-02', { a: 1000 })))).rejects.toMatchObject({ type: 'VlanUnavailable' });
    await expect(Promise.resolve().then(() => allocator.allocate(request('b3', 'sim-02', { a: 5 })))).rejects.toMatchObject({ type: 'InvalidInput' });
  });
});
