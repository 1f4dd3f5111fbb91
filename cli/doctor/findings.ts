/**
 * What `laas doctor` found: problems with the configuration (each with the place
 * an operator has to go and fix) and, with --probe, one row per device.
 */

/** error: a booking would fail or a device cannot be driven; warning: works, but not as the file says; note: for information. */
export type Level = 'error' | 'warning' | 'note';

export interface Finding {
  level: Level;
  /** Where to look: "config/lab.yaml hosts.1.bmc", "database", "environment LAAS_CREDENTIAL_KEYS", ... */
  place: string;
  message: string;
}

export type DeviceKind = 'bmc' | 'imaging' | 'switch' | 'directory' | 'headnode';

export type ProbeResult = 'ok' | 'simulated' | 'refused credentials' | 'timed out' | 'unreachable' | 'error';

export interface ProbeRow {
  /** The lab's name for it: the host whose BMC it is, the switch, or "fog", "ldap", "libvirt". */
  device: string;
  kind: DeviceKind;
  address: string;
  result: ProbeResult;
  /** What it answered, or why not; never a secret. */
  reason: string;
}

/** Results that mean the device is fine (a simulated device lives in the worker and is always there). */
export const PASSING: readonly ProbeResult[] = ['ok', 'simulated'];

export class Findings {
  readonly list: Finding[] = [];

  error(place: string, message: string): void {
    this.list.push({ level: 'error', place, message });
  }

  warning(place: string, message: string): void {
    this.list.push({ level: 'warning', place, message });
  }

  note(place: string, message: string): void {
    this.list.push({ level: 'note', place, message });
  }

  get errors(): number {
    return this.list.filter((f) => f.level === 'error').length;
  }
}

/** A message of any thrown value, for places where the error type says nothing more. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
