import { DeviceError } from '../errors';

/** How to reach one host's BMC. The password is looked up by the activity, never carried by a workflow. */
export interface BmcTarget {
  host: string;
  address: string;
  port: number;
  username: string;
  password: string;
  /** An obmd node: its URL on obmd (the password is obmd's admin token), and the node token got on enabling OBM. */
  obmd?: { uri: string; token?: string } | undefined;
}

export type PowerState = 'on' | 'off';
export type BootDevice = 'pxe' | 'disk';

export interface PowerDriver {
  readonly kind: string;
  status(bmc: BmcTarget): Promise<PowerState>;
  on(bmc: BmcTarget): Promise<void>;
  off(bmc: BmcTarget): Promise<void>;
  /** Hard power cycle; a host that is off is powered on. */
  cycle(bmc: BmcTarget): Promise<void>;
  /** ACPI soft off: asks the OS to shut down. */
  softOff(bmc: BmcTarget): Promise<void>;
  setBootDevice(bmc: BmcTarget, device: BootDevice, options: { persistent: boolean }): Promise<void>;
}

export class BmcUnreachable extends DeviceError {
  constructor(host: string, detail: string) {
    super('BmcUnreachable', `BMC of ${host} did not answer: ${detail}`, true, { host });
  }
}
export class BmcAuthFailed extends DeviceError {
  constructor(host: string) {
    super('BmcAuthFailed', `BMC of ${host} refused the configured credentials`, false, { host });
  }
}
export class BmcCommandFailed extends DeviceError {
  constructor(host: string, detail: string) {
    super('BmcCommandFailed', `BMC of ${host} refused the command: ${detail}`, true, { host });
  }
}
