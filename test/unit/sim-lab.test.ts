import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadLab } from '../../config/load-lab';
import { SimLab } from '../../sim/lab/lab';
import { simDrivers } from '../../sim/lab/drivers';

const lab = loadLab(join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml'));
const bmc = (host: string) => ({ host, address: 'sim', port: 623, username: 'u', password: 'p' });

describe('the simulated lab', () => {
  it('fires a transient fault the given number of times, then works', async () => {
    const sim = new SimLab(lab);
    const { power } = simDrivers(sim);
    sim.faults.inject({ at: 'power.on', target: 'sim-01', kind: 'transient', times: 2 });
    await expect(power.on(bmc('sim-01'))).rejects.toMatchObject({ type: 'SimTransientFault', retryable: true });
    await expect(power.on(bmc('sim-01'))).rejects.toMatchObject({ type: 'SimTransientFault' });
    await power.on(bmc('sim-01'));
    expect(sim.host('sim-01').power).toBe('on');
  });

  it('aims a fault at one host and one detail only', async () => {
    const sim = new SimLab(lab);
    const { power } = simDrivers(sim);
    sim.faults.inject({ at: 'power.bootdev', target: 'sim-02', detail: 'pxe', kind: 'permanent' });
    await power.setBootDevice(bmc('sim-01'), 'pxe', { persistent: false });
    await power.setBootDevice(bmc('sim-02'), 'disk', { persistent: true });
    await expect(power.setBootDevice(bmc('sim-02'), 'pxe', { persistent: false })).rejects.toMatchObject({ type: 'SimPermanentFault', retryable: false });
    await expect(power.setBootDevice(bmc('sim-02'), 'pxe', { persistent: false })).rejects.toMatchObject({ type: 'SimPermanentFault' });
  });

  it('applies latency per host over per operation over the default', async () => {
    const sim = new SimLab(lab, { latencyMs: 0, operationLatencyMs: { 'power.on': 150 }, targetLatencyMs: { 'sim-03': 300 } });
    const { power } = simDrivers(sim);
    const timed = async (host: string, op: () => Promise<void>) => {
      const t = Date.now();
      await op();
      return Date.now() - t;
    };
    expect(await timed('sim-01', () => power.on(bmc('sim-01')))).toBeGreaterThanOrEqual(140);
    expect(await timed('sim-03', () => power.off(bmc('sim-03')))).toBeGreaterThanOrEqual(290);
  });

  it('reports what a booking left behind', async () => {
    const sim = new SimLab(lab);
    const d = simDrivers(sim);
    expect(sim.residue()).toEqual([]);
    const session = await d.switches.sim!.open({ name: 'sim-switch', type: 'sim', address: 'sim', username: 'u', password: 'p' });
    await session.setNativeVlan('Ethernet1/3', 1001);
    await d.directory.ensureVpnAccount({ uid: 'bob', bookingId: 'b1', project: 'demo' });
    expect(sim.residue()).toEqual(['sim-switch Ethernet1/3: VLANs {"native":1001,"tagged":[]}', 'VPN account bob']);
  });

  it('refuses ports outside its grammar before touching anything', async () => {
    const sim = new SimLab(lab);
    const session = await simDrivers(sim).switches.sim!.open({ name: 'sim-switch', type: 'sim', address: 'sim', username: 'u', password: 'p' });
    await expect(session.setNativeVlan('Ethernet1/1\nreload', 1000)).rejects.toMatchObject({ type: 'InvalidInput' });
    await expect(session.setNativeVlan('Ethernet1/1', 4095)).rejects.toMatchObject({ type: 'InvalidInput' });
    expect(sim.journal).toEqual([]);
  });
});
