import type { PowerDriver, BmcTarget, BootDevice, PowerState } from '../../drivers/power/power';
import type { ImagingDriver, ImagingTaskStatus } from '../../drivers/imaging/imaging';
import { FogHostNotFound } from '../../drivers/imaging/imaging';
import type { PortVlans, SwitchDriver, SwitchSession, SwitchTarget } from '../../drivers/switch/switch';
import { HostCommandFailed, type ExecResult, type HostDriver, type HostTarget } from '../../drivers/host/host';
import type { DirectoryDriver, DirectoryUser, VpnAccount, VpnAccountRequest } from '../../drivers/directory/directory';
import { AccountTaken, VpnAccountMissing } from '../../drivers/directory/directory';
import type { Headnode, HeadnodeDriver, HeadnodeSpec } from '../../drivers/headnode/headnode';
import { InvalidInput } from '../../drivers/errors';
import { SIM_PORT } from '../../drivers/switch/port-rules';
import type { SimLab } from './lab';
import { randomBytes } from 'node:crypto';

export class SimPower implements PowerDriver {
  readonly kind = 'sim';
  constructor(private readonly lab: SimLab) {}
  async status(bmc: BmcTarget): Promise<PowerState> {
    return Promise.resolve(this.lab.host(bmc.host).power);
  }
  async on(bmc: BmcTarget): Promise<void> {
    await this.lab.operate('power.on', bmc.host);
    this.lab.host(bmc.host).power = 'on';
  }
  async off(bmc: BmcTarget): Promise<void> {
    await this.lab.operate('power.off', bmc.host);
    this.lab.host(bmc.host).power = 'off';
  }
  async cycle(bmc: BmcTarget): Promise<void> {
    await this.lab.operate('power.on', bmc.host, 'cycle');
    this.lab.host(bmc.host).power = 'on';
  }
  async softOff(bmc: BmcTarget): Promise<void> {
    await this.off(bmc);
  }
  async setBootDevice(bmc: BmcTarget, device: BootDevice, _options: { persistent: boolean }): Promise<void> {
    await this.lab.operate('power.bootdev', bmc.host, device);
    this.lab.host(bmc.host).bootDevice = device;
  }
}

/** Tasks complete `imagingMs` after deploy, reporting a linear percentage meanwhile. */
export class SimImaging implements ImagingDriver {
  readonly kind = 'sim';
  constructor(private readonly lab: SimLab) {}
  async startDeploy(hostName: string, imageId: string): Promise<string> {
    if (!this.lab.hosts.has(hostName)) throw new FogHostNotFound(hostName);
    const open = [...this.lab.imagingTasks.values()].find((t) => t.host === hostName && (t.state === 'queued' || t.state === 'in-progress'));
    if (open && open.imageId === imageId) return open.id;
    await this.lab.operate('imaging.deploy', hostName, imageId);
    const id = this.lab.newTaskId();
    this.lab.imagingTasks.set(id, { id, host: hostName, imageId, startedAt: Date.now(), state: 'queued' });
    return id;
  }
  taskStatus(taskId: string): Promise<ImagingTaskStatus> {
    const t = this.lab.imagingTasks.get(taskId);
    if (!t) return Promise.resolve({ taskId, state: 'vanished', percent: 0 });
    if (t.state === 'queued' || t.state === 'in-progress') {
      // The host must have been powered on to PXE-boot into the task.
      if (this.lab.host(t.host).power === 'on') {
        const elapsed = Date.now() - t.startedAt;
        if (elapsed >= this.lab.imagingMs) {
          t.state = 'complete';
          // A deploy writes the whole disk: nothing of the host's earlier OS is left.
          this.lab.host(t.host).image = t.imageId;
          this.lab.host(t.host).files.clear();
        } else {
          t.state = 'in-progress';
          return Promise.resolve({ taskId, state: 'in-progress', percent: Math.floor((100 * elapsed) / Math.max(1, this.lab.imagingMs)) });
        }
      }
    }
    const percent = t.state === 'complete' ? 100 : 0;
    return Promise.resolve({ taskId, state: t.state, percent });
  }
  async recentDeploy(hostName: string, imageId: string, sinceMs: number): Promise<ImagingTaskStatus | undefined> {
    const recent = [...this.lab.imagingTasks.values()].filter((t) => t.host === hostName && t.imageId === imageId && t.startedAt >= sinceMs);
    // Task ids grow with creation.
    const newest = recent.reduce<(typeof recent)[number] | undefined>((best, t) => (best && Number(best.id) > Number(t.id) ? best : t), undefined);
    return newest && this.taskStatus(newest.id);
  }
  async cancelTasks(hostName: string): Promise<void> {
    await this.lab.operate('imaging.cancel', hostName);
    for (const t of this.lab.imagingTasks.values()) {
      if (t.host === hostName && (t.state === 'queued' || t.state === 'in-progress')) t.state = 'cancelled';
    }
  }
}

export class SimSwitch implements SwitchDriver {
  readonly type = 'sim';
  constructor(private readonly lab: SimLab) {}
  validatePort(port: string): void {
    if (!SIM_PORT.test(port)) throw new InvalidInput('port', port, 'the simulated switch has ports Ethernet1/1 to Ethernet1/48, or gi/te ports as HIL\'s mock switch');
  }
  open(target: SwitchTarget): Promise<SwitchSession> {
    const { ports, vlans } = this.lab.switchState(target.name);
    const lab = this.lab;
    const port = (name: string): PortVlans => {
      this.validatePort(name);
      // A port registered through HIL's /v0 after start: cabled in the inventory, so taken on here.
      let p = ports.get(name);
      if (!p) {
        p = { native: null, tagged: [] };
        ports.set(name, p);
      }
      return p;
    };
    const checkVlan = (v: number) => {
      if (!Number.isInteger(v) || v < 1 || v > 4094) throw new InvalidInput('VLAN', String(v), 'must be an integer from 1 to 4094');
    };
    const session: SwitchSession = {
      async ensureVlan(v) {
        checkVlan(v);
        vlans.add(v);
        return Promise.resolve();
      },
      async setNativeVlan(name, v) {
        checkVlan(v);
        const p = port(name);
        await lab.operate('switch.configure', lab.portOwnerOf(target.name, name), `${name} native ${v}`);
        p.native = v;
      },
      async addTaggedVlans(name, vs) {
        vs.forEach(checkVlan);
        const p = port(name);
        await lab.operate('switch.configure', lab.portOwnerOf(target.name, name), `${name} tagged +${vs.join(',')}`);
        p.tagged = [...new Set([...p.tagged, ...vs])].sort((a, b) => a - b);
      },
      async removeTaggedVlans(name, vs) {
        const p = port(name);
        await lab.operate('switch.reset', lab.portOwnerOf(target.name, name), `${name} tagged -${vs.join(',')}`);
        p.tagged = p.tagged.filter((v) => !vs.includes(v));
      },
      async resetPort(name) {
        const p = port(name);
        await lab.operate('switch.reset', lab.portOwnerOf(target.name, name), name);
        p.native = null;
        p.tagged = [];
      },
      readPort(name) {
        const p = port(name);
        return Promise.resolve({ native: p.native, tagged: [...p.tagged] });
      },
      save: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    return Promise.resolve(session);
  }
}

function isKeysFile(path: string): boolean {
  return path.endsWith('/authorized_keys');
}

export class SimHost implements HostDriver {
  readonly kind = 'sim';
  constructor(private readonly lab: SimLab) {}
  async exec(host: HostTarget, argv: string[]): Promise<ExecResult> {
    await this.lab.operate('host.write', host.name, argv.join(' '));
    // The host helpers look the login user's home up (drivers/host/ssh-keys.ts): a simulated host has root only.
    if (argv[0] === 'getent' && argv[1] === 'passwd') {
      if (argv[2] === 'root') return { code: 0, stdout: 'root:x:0:0:root:/root:/bin/bash\n', stderr: '' };
      throw new HostCommandFailed(host.name, argv.join(' '), 2, '');
    }
    return { code: 0, stdout: '', stderr: '' };
  }
  async writeFile(host: HostTarget, path: string, content: string, options: { mode: number }): Promise<void> {
    await this.lab.operate(isKeysFile(path) ? 'keys.install' : 'host.write', host.name, path);
    this.lab.host(host.name).files.set(path, { content, mode: options.mode });
  }
  readFile(host: HostTarget, path: string): Promise<string | null> {
    return Promise.resolve(this.lab.host(host.name).files.get(path)?.content ?? null);
  }
  async removeFile(host: HostTarget, path: string): Promise<void> {
    await this.lab.operate(isKeysFile(path) ? 'keys.remove' : 'host.remove', host.name, path);
    this.lab.host(host.name).files.delete(path);
  }
  async setHostname(host: HostTarget, hostname: string): Promise<void> {
    await this.lab.operate('host.write', host.name, `hostname ${hostname}`);
    this.lab.host(host.name).hostname = hostname;
  }
  async reboot(host: HostTarget, options: { onWait?: (elapsedMs: number) => void }): Promise<void> {
    const started = Date.now();
    // As the SSH driver does between its reachability checks: the wait so far, while it lasts.
    const waiting = setInterval(() => options.onWait?.(Date.now() - started), 250);
    try {
      await this.lab.operate('host.reboot', host.name);
    } finally {
      clearInterval(waiting);
    }
    this.lab.host(host.name).reboots += 1;
    options.onWait?.(Date.now() - started);
  }
}

export class SimDirectory implements DirectoryDriver {
  readonly kind = 'sim';
  constructor(private readonly lab: SimLab) {}
  getUsers(uids: string[]): Promise<DirectoryUser[]> {
    return Promise.resolve(
      [...new Set(uids)].flatMap((uid) => {
        const u = this.lab.users.get(uid);
        return u ? [{ uid: u.uid, givenname: u.givenname, sn: u.sn, mail: u.mail, ou: u.ou, sshKeys: [...u.sshKeys] }] : [];
      }),
    );
  }
  async createUser(user: Omit<DirectoryUser, 'sshKeys'>): Promise<boolean> {
    if (this.lab.users.has(user.uid) || this.lab.accounts.has(user.uid)) return false;
    await this.lab.operate('directory.create', user.uid);
    this.lab.users.set(user.uid, { ...user, sshKeys: [], bookings: new Set() });
    return true;
  }
  async setUserKeys(uid: string, keys: string[]): Promise<boolean> {
    const u = this.lab.users.get(uid);
    if (!u) return false;
    await this.lab.operate('directory.create', uid);
    u.sshKeys = [...new Set(keys)];
    return true;
  }
  async setUserCompany(uid: string, ou: string): Promise<boolean> {
    const u = this.lab.users.get(uid);
    if (!u) return false;
    await this.lab.operate('directory.create', uid);
    u.ou = ou;
    return true;
  }
  async ensureVpnAccount(request: VpnAccountRequest): Promise<VpnAccount> {
    const dn = `uid=${request.uid},ou=people,dc=sim`;
    const user = this.lab.users.get(request.uid);
    if (user) {
      await this.lab.operate('directory.create', request.uid);
      user.bookings.add(request.bookingId);
      return { uid: request.uid, dn, created: false, standing: true };
    }
    const existing = this.lab.accounts.get(request.uid);
    if (existing) {
      if (existing.bookingId !== request.bookingId) throw new AccountTaken(request.uid);
      return { uid: request.uid, dn, created: false };
    }
    await this.lab.operate('directory.create', request.uid);
    const password = randomBytes(12).toString('base64url');
    this.lab.accounts.set(request.uid, { uid: request.uid, bookingId: request.bookingId, password });
    return { uid: request.uid, dn, password, created: true };
  }
  async removeVpnAccount(uid: string, bookingId: string): Promise<void> {
    const user = this.lab.users.get(uid);
    if (user?.bookings.has(bookingId)) {
      await this.lab.operate('directory.remove', uid);
      user.bookings.delete(bookingId);
      return;
    }
    const existing = this.lab.accounts.get(uid);
    if (!existing || existing.bookingId !== bookingId) return;
    await this.lab.operate('directory.remove', uid);
    this.lab.accounts.delete(uid);
  }
  async resetVpnPassword(uid: string, bookingId: string): Promise<string> {
    const existing = this.lab.accounts.get(uid);
    if (!existing || existing.bookingId !== bookingId) throw new VpnAccountMissing(uid, bookingId);
    await this.lab.operate('directory.create', uid);
    existing.password = randomBytes(12).toString('base64url');
    return existing.password;
  }
  checkBind(uid: string, password: string): Promise<boolean> {
    return Promise.resolve(this.lab.accounts.get(uid)?.password === password);
  }
}

export class SimHeadnodes implements HeadnodeDriver {
  readonly kind = 'sim';
  constructor(private readonly lab: SimLab) {}
  private view(hn: { name: string; networks: { name: string; vlan: number }[] }): Headnode {
    return {
      name: hn.name,
      state: 'running',
      nics: hn.networks.map((n, i) => ({ network: n.name, vlan: n.vlan, mac: `52:54:00:ff:00:${(i + 1).toString(16).padStart(2, '0')}` })),
      console: { type: 'vnc', host: '127.0.0.1', port: 5900 },
    };
  }
  async create(spec: HeadnodeSpec): Promise<Headnode> {
    const existing = this.lab.headnodes.get(spec.name);
    if (existing) return this.view(existing);
    await this.lab.operate('headnode.create', spec.name);
    const hn = { name: spec.name, networks: spec.networks };
    this.lab.headnodes.set(spec.name, hn);
    return this.view(hn);
  }
  get(name: string): Promise<Headnode | null> {
    const hn = this.lab.headnodes.get(name);
    return Promise.resolve(hn ? this.view(hn) : null);
  }
  async destroy(name: string): Promise<void> {
    if (!this.lab.headnodes.has(name)) return;
    await this.lab.operate('headnode.destroy', name);
    this.lab.headnodes.delete(name);
  }
}

/** The six drivers of a simulated lab. */
export function simDrivers(lab: SimLab) {
  return {
    power: new SimPower(lab),
    imaging: new SimImaging(lab),
    switches: { sim: new SimSwitch(lab) } as Record<string, SwitchDriver>,
    host: new SimHost(lab),
    directory: new SimDirectory(lab),
    headnode: new SimHeadnodes(lab),
  };
}
