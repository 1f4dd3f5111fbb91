import { DeviceError } from '../../drivers/errors';

/** Device operations of the simulated lab where a fault can be injected. */
export const SIM_OPERATIONS = [
  'power.off',
  'power.on',
  'power.bootdev',
  'imaging.deploy',
  'imaging.cancel',
  'switch.configure',
  'switch.reset',
  'host.write',
  'host.remove',
  'host.reboot',
  'keys.install',
  'keys.remove',
  'directory.create',
  'directory.remove',
  'headnode.create',
  'headnode.destroy',
] as const;
export type SimOperation = (typeof SIM_OPERATIONS)[number];

export interface SimFault {
  at: SimOperation;
  /** Only this host (or headnode/booking name); every one when absent. */
  target?: string;
  /** Only operations whose detail matches (e.g. the boot device "pxe"). */
  detail?: string;
  /** transient: fails `times` calls with a retryable error, then works; permanent: fails every call, not retryable. */
  kind: 'transient' | 'permanent';
  times?: number;
}

export class SimDeviceFault extends DeviceError {
  constructor(at: SimOperation, target: string, kind: SimFault['kind']) {
    super(
      kind === 'permanent' ? 'SimPermanentFault' : 'SimTransientFault',
      `simulated ${kind} fault at ${at} on ${target}`,
      kind === 'transient',
      { at, target },
    );
  }
}

/** Faults waiting to fire; the lab asks before every device operation. */
export class FaultPlan {
  private faults: SimFault[] = [];

  inject(fault: SimFault): void {
    this.faults.push({ ...fault });
  }

  clear(): void {
    this.faults = [];
  }

  /** Throws when a fault matches; a transient fault counts down and then disappears. */
  check(at: SimOperation, target: string, detail?: string): void {
    const i = this.faults.findIndex(
      (f) => f.at === at && (f.target === undefined || f.target === target) && (f.detail === undefined || f.detail === detail),
    );
    if (i < 0) return;
    const fault = this.faults[i]!;
    if (fault.kind === 'transient') {
      const left = (fault.times ?? 1) - 1;
      if (left <= 0) this.faults.splice(i, 1);
      else fault.times = left;
    }
    throw new SimDeviceFault(at, target, fault.kind);
  }
}
