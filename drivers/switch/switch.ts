import { DeviceError } from '../errors';

/** How to reach one switch. Credentials are looked up by the activity. */
export interface SwitchTarget {
  name: string;
  type: string;
  address: string;
  port?: number;
  username: string;
  password: string;
  options?: Record<string, string>;
}

/** A port's VLAN membership: at most one untagged (native) VLAN, any number of tagged ones. */
export interface PortVlans {
  native: number | null;
  tagged: number[];
}

/** One management session on one switch; changes are applied in order, then saved. */
export interface SwitchSession {
  ensureVlan(vlan: number): Promise<void>;
  setNativeVlan(port: string, vlan: number): Promise<void>;
  addTaggedVlans(port: string, vlans: number[]): Promise<void>;
  removeTaggedVlans(port: string, vlans: number[]): Promise<void>;
  /** No VLANs left on the port (and shut where the vendor does so). */
  resetPort(port: string): Promise<void>;
  readPort(port: string): Promise<PortVlans>;
  save(): Promise<void>;
  close(): Promise<void>;
}

export interface SwitchDriver {
  readonly type: string;
  /** Throws InvalidInput for a port name outside the vendor's grammar; touches nothing. */
  validatePort(port: string): void;
  open(target: SwitchTarget): Promise<SwitchSession>;
}

export class SwitchUnreachable extends DeviceError {
  constructor(sw: string, detail: string) {
    super('SwitchUnreachable', `switch ${sw} did not answer: ${detail}`, true, { switch: sw });
  }
}
export class SwitchAuthFailed extends DeviceError {
  constructor(sw: string) {
    super('SwitchAuthFailed', `switch ${sw} refused the configured credentials`, false, { switch: sw });
  }
}
export class SwitchRejected extends DeviceError {
  constructor(sw: string, command: string, output: string) {
    super('SwitchRejected', `switch ${sw} rejected "${command}": ${output}`, false, { switch: sw, command, output });
  }
}
export class SwitchBusy extends DeviceError {
  constructor(sw: string, waitedMs: number) {
    super('SwitchBusy', `switch ${sw} stayed locked by another change for ${waitedMs} ms`, true, { switch: sw });
  }
}
