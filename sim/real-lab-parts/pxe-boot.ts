/**
 * Ties a host's power to its imaging: when its BMC powers it on, the host PXE-boots
 * and checks in with FOG, so a queued deploy task starts. The FOG simulator runs
 * without auto check-in, so imaging completes only if the booking really powered
 * the host on through IPMI.
 */
import type { IpmiSim } from '../counterparts/ipmi-sim';
import type { FogSimulator } from '../fog/fog-sim';

const POWER_ON = 'set power 1';

export interface PxeWatch {
  stop(): void;
}

export function bootOnPowerOn(fog: FogSimulator, hosts: { name: string; bmc: IpmiSim }[], everyMs = 100): PxeWatch {
  const seen = new Map(hosts.map((h) => [h.name, 0]));
  let busy = false;
  const look = async (): Promise<void> => {
    for (const { name, bmc } of hosts) {
      const calls = await bmc.chassisCalls().catch(() => null);
      if (calls === null) continue;
      const ons = calls.filter((c) => c === POWER_ON).length;
      const previous = seen.get(name) ?? 0;
      // Fewer than before: someone cleared the chassis log, and every power-on in it is new.
      const before = ons < previous ? 0 : previous;
      seen.set(name, ons);
      if (ons > before) {
        try {
          fog.bootHost(name);
        } catch {
          // A host FOG does not know boots into nothing, as a real one would.
        }
      }
    }
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void look().finally(() => {
      busy = false;
    });
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
