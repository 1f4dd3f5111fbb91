import { InvalidInput } from '../errors';
import { obmdNewToken, obmdRequest, type ObmdCall } from './obmd-client';
import { BmcAuthFailed, BmcCommandFailed, type BmcTarget, type BootDevice, type PowerDriver, type PowerState } from './power';

/**
 * Power and boot device of nodes that obmd manages (HIL >= 0.4): each call goes to
 * `<node uri>/<op>?token=<node token>`. The token is the one got when OBM was enabled; with none,
 * or when obmd refuses it, one is fetched with the admin token (which invalidates the old one).
 */
export class ObmdPower implements PowerDriver {
  readonly kind = 'obmd';
  private readonly tokens = new Map<string, string>();

  constructor(private readonly options: { timeoutMs?: number } = {}) {}

  async status(bmc: BmcTarget): Promise<PowerState> {
    const response = await this.call(bmc, 'GET', 'power_status');
    const body = (await response.json()) as { power_status?: unknown };
    if (body.power_status !== 'on' && body.power_status !== 'off') {
      throw new BmcCommandFailed(bmc.host, `unexpected answer to power status: ${JSON.stringify(body.power_status)}`);
    }
    return body.power_status;
  }

  async on(bmc: BmcTarget): Promise<void> {
    await this.call(bmc, 'POST', 'power_on');
  }

  async off(bmc: BmcTarget): Promise<void> {
    await this.call(bmc, 'POST', 'power_off');
  }

  async cycle(bmc: BmcTarget): Promise<void> {
    await this.call(bmc, 'POST', 'power_cycle', { force: true });
  }

  /** obmd's gentle cycle sends the OS an ACPI shutdown; obmd has no soft off of its own. */
  async softOff(bmc: BmcTarget): Promise<void> {
    await this.call(bmc, 'POST', 'power_off');
  }

  async setBootDevice(bmc: BmcTarget, device: BootDevice): Promise<void> {
    if (device !== 'pxe' && device !== 'disk') throw new InvalidInput('boot device', String(device), 'expected "pxe" or "disk"');
    // obmd sets the boot device persistently.
    await this.call(bmc, 'PUT', 'boot_device', { bootdev: device });
  }

  private async call(bmc: BmcTarget, method: ObmdCall['method'], op: string, body?: unknown): Promise<Response> {
    if (!bmc.obmd) throw new InvalidInput(`obmd node ${bmc.host}`, bmc.host, 'has no obmd uri');
    const { uri } = bmc.obmd;
    const base = { host: bmc.host, uri, method, op, body, ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}) };
    const known = this.tokens.get(uri) ?? bmc.obmd.token;
    if (known) {
      try {
        return await obmdRequest({ ...base, token: known });
      } catch (err) {
        if (!(err instanceof BmcAuthFailed)) throw err;
      }
    }
    const token = await obmdNewToken(bmc.host, uri, bmc.password);
    this.tokens.set(uri, token);
    return obmdRequest({ ...base, token });
  }
}
