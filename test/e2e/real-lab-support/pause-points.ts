import { access, writeFile } from 'node:fs/promises';
import type { Drivers } from '../../../activities/deps';
import type { SwitchDriver, SwitchSession } from '../../../drivers/switch/switch';

/** The steps a test can stop a worker in the middle of. */
export const PAUSE_STEPS = ['power', 'imaging', 'switch', 'network', 'access', 'vpn', 'headnode'] as const;
export type PauseStep = (typeof PAUSE_STEPS)[number];

/** `method` of `target`, run for real; then, when `when` says so, `hold()` (which never returns). */
function after<T extends object>(target: T, method: string, hold: () => Promise<void>, when: (args: unknown[]) => boolean = () => true): T {
  return new Proxy(target, {
    get(t, property, receiver) {
      const value: unknown = Reflect.get(t, property, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => Promise<unknown>;
      if (property !== method) return fn.bind(t);
      return async (...args: unknown[]) => {
        const result = await fn.apply(t, args);
        if (when(args)) await hold();
        return result;
      };
    },
  });
}

/**
 * The worker's real drivers with one breakpoint: right after the step's first device change
 * (its side effect is on the device), the activity stops and the pause file names the step,
 * so a test can SIGKILL the worker at a known point in the middle of that step.
 */
export function pauseAfterFirstChange(drivers: Drivers, step: PauseStep, pauseFile: string, resumable = false): Drivers {
  let held = false;
  const hold = async (): Promise<void> => {
    if (held) return;
    held = true;
    await writeFile(pauseFile, step);
    // Resumable: the step goes on once `<pauseFile>.<step>.resume` exists (bounded: 10 minutes).
    if (resumable) return untilExists(`${pauseFile}.${step}.resume`, 600_000);
    await new Promise<never>(() => undefined);
  };
  const isKeys = (args: unknown[]) => String(args[1]).endsWith('/authorized_keys');
  switch (step) {
    case 'power':
      return { ...drivers, power: after(drivers.power, 'off', hold) };
    case 'imaging':
      // The deploy task exists and the host was powered on into it.
      return { ...drivers, power: after(drivers.power, 'cycle', hold) };
    case 'switch': {
      const withHeldSession = (driver: SwitchDriver): SwitchDriver => ({
        type: driver.type,
        validatePort: (port) => driver.validatePort(port),
        open: async (target) => after<SwitchSession>(await driver.open(target), 'setNativeVlan', hold),
      });
      return { ...drivers, switches: Object.fromEntries(Object.entries(drivers.switches).map(([type, d]) => [type, withHeldSession(d)])) };
    }
    case 'network':
      return { ...drivers, host: after(drivers.host, 'writeFile', hold, (args) => !isKeys(args)) };
    case 'access':
      return { ...drivers, host: after(drivers.host, 'writeFile', hold, isKeys) };
    case 'vpn':
      return { ...drivers, directory: after(drivers.directory, 'ensureVpnAccount', hold) };
    case 'headnode':
      return { ...drivers, headnode: after(drivers.headnode, 'create', hold) };
  }
}

async function untilExists(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await access(path).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
