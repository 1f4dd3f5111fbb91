import { DeviceError } from '../errors';

export interface HeadnodeSpec {
  /** Domain name, unique per booking. */
  name: string;
  baseImage: string;
  vcpus: number;
  memoryMiB: number;
  networks: { name: string; vlan: number }[];
}

export interface Headnode {
  name: string;
  state: 'running' | 'shut off' | 'other';
  nics: { network: string; vlan: number; mac: string }[];
  console?: { type: 'vnc' | 'serial'; host: string; port: number };
}

/** A hypervisor that runs one small VM per booking on the booking's networks. */
export interface HeadnodeDriver {
  readonly kind: string;
  /** Idempotent: an existing domain of that name is returned as it is. */
  create(spec: HeadnodeSpec): Promise<Headnode>;
  get(name: string): Promise<Headnode | null>;
  /** Destroy, undefine and delete the overlay; a missing domain is a no-op. */
  destroy(name: string): Promise<void>;
  /** Hard power-off, the domain kept (HIL's headnode stop); drivers that cannot leave it out. */
  stop?(name: string): Promise<void>;
  /** The base images a headnode may be made from (HIL's `base_imgs`). */
  images?(): Promise<string[]>;
}

export class HypervisorUnreachable extends DeviceError {
  constructor(detail: string) {
    super('HypervisorUnreachable', `headnode hypervisor did not answer: ${detail}`, true);
  }
}
export class HeadnodeFailed extends DeviceError {
  constructor(name: string, detail: string) {
    super('HeadnodeFailed', `headnode ${name}: ${detail}`, true, { name });
  }
}
/** The hypervisor refused the headnode as specified (missing base image, a definition it cannot run): retrying will not help. */
export class HeadnodeRejected extends DeviceError {
  constructor(name: string, detail: string) {
    super('HeadnodeRejected', `headnode ${name}: ${detail}`, false, { name });
  }
}
