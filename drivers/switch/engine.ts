import { driverLog } from '../../config/driver-log';
import { InvalidInput } from '../errors';
import type { CommandChannel, CommandOutcome } from './channel';
import { SwitchRejected, SwitchUnreachable, type PortVlans, type SwitchDriver, type SwitchSession, type SwitchTarget } from './switch';
import type { SwitchVendor, VendorOperation } from './vendor';
import { checkVlan, checkVlanList } from './vlan';

/** Values a template may name; see vendor.ts for what each placeholder means. */
export interface TemplateValues {
  port?: string;
  vlan?: number;
  vlans?: number[];
  parking: number;
  before?: PortVlans;
  after?: PortVlans;
}

export function checkPort(vendor: SwitchVendor, port: unknown): string {
  if (typeof port !== 'string' || !vendor.port.pattern.test(port)) {
    throw new InvalidInput('port', String(port), `not a ${vendor.name} port name (like ${vendor.port.example})`);
  }
  return port;
}

/** Templates that speak about the port's whole state need it read first. */
export function needsPortState(templates: string[]): boolean {
  return templates.some((t) => /\{(?:each:)?(?:allowed|dropped|oldNative)\}/.test(t));
}

/** Fills templates with values that were validated before; returns the exact lines sent. */
export function fillTemplates(vendor: SwitchVendor, templates: string[], values: TemplateValues): string[] {
  const lines: string[] = [];
  for (const template of templates) {
    // `{each:<list>}` repeats the template (all its lines) once per VLAN of the list, none when it is empty.
    const each = /\{each:(\w+)\}/.exec(template)?.[1];
    const rounds = each === undefined ? [undefined] : listPlaceholder(each, values);
    for (const item of rounds) {
      for (const part of template.split('\n')) {
        const line = fillLine(vendor, part, values, item);
        if (line !== null) lines.push(line);
      }
    }
  }
  return lines;
}

function fillLine(vendor: SwitchVendor, template: string, values: TemplateValues, item: number | undefined): string | null {
  let leaveOut = false;
  const line = template.replace(/\{(each:)?(\w+)\}/g, (_, each: string | undefined, name: string) => {
    if (each) return String(item);
    const value = placeholder(name, values);
    if (!Array.isArray(value)) return String(value);
    if (value.length > 0) return value.join(vendor.listSeparator);
    if (vendor.emptyList === null) leaveOut = true;
    return vendor.emptyList ?? '';
  });
  // Last guard: a command line never carries a line break or control character.
  if ([...line].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw new InvalidInput('command', line, 'contains a control character');
  return leaveOut ? null : line;
}

function listPlaceholder(name: string, values: TemplateValues): number[] {
  const value = placeholder(name, values);
  if (!Array.isArray(value)) throw new Error(`template placeholder {each:${name}} needs a list`);
  return value;
}

function placeholder(name: string, v: TemplateValues): string | number | number[] {
  const found = (() => {
    switch (name) {
      case 'port': return v.port;
      // REST paths that cannot carry "/" (Dell OS9 writes 1/3 as 1-3 there).
      case 'portDashed': return v.port?.replace(/\//g, '-');
      case 'vlan': return v.vlan;
      case 'vlans': return v.vlans;
      case 'parking': return v.parking;
      case 'allowed': return v.after && sorted([...(v.after.native === null ? [] : [v.after.native]), ...v.after.tagged]);
      case 'dropped': return v.before && v.after && v.before.tagged.filter((t) => !v.after?.tagged.includes(t));
      case 'oldNative': return v.before && v.after && replacedNative(v.before, v.after);
      default: return undefined;
    }
  })();
  if (found === undefined) throw new Error(`template placeholder {${name}} has no value here`);
  return found;
}

/** The native VLAN the change displaces, as a list of at most one (a switch that keeps it allowed would go on carrying it). */
function replacedNative(before: PortVlans, after: PortVlans): number[] {
  const old = before.native;
  return old === null || old === after.native || after.tagged.includes(old) ? [] : [old];
}

function sorted(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** The SwitchSession every vendor shares: validate, fill, run, check, and read back. */
export class VendorSession implements SwitchSession {
  // One session is one CLI stream: operations must not interleave on it.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sw: string,
    private readonly vendor: SwitchVendor,
    private readonly channel: CommandChannel,
    private readonly parking: number,
  ) {}

  async ensureVlan(vlan: number): Promise<void> {
    const v = checkVlan(vlan);
    await this.serial(() => this.change('ensureVlan', { vlan: v }));
  }

  async setNativeVlan(port: string, vlan: number): Promise<void> {
    const p = checkPort(this.vendor, port);
    const v = checkVlan(vlan);
    await this.serial(() => this.change('setNativeVlan', { port: p, vlan: v }, (b) => ({ native: v, tagged: b.tagged.filter((t) => t !== v) })));
  }

  async addTaggedVlans(port: string, vlans: number[]): Promise<void> {
    const p = checkPort(this.vendor, port);
    const ids = checkVlanList(vlans);
    if (ids.length === 0) return;
    await this.serial(() =>
      this.change('addTaggedVlans', { port: p, vlans: ids }, (b) => ({ native: b.native, tagged: sorted([...b.tagged, ...ids]).filter((t) => t !== b.native) })),
    );
  }

  async removeTaggedVlans(port: string, vlans: number[]): Promise<void> {
    const p = checkPort(this.vendor, port);
    const ids = checkVlanList(vlans);
    if (ids.length === 0) return;
    await this.serial(() => this.change('removeTaggedVlans', { port: p, vlans: ids }, (b) => ({ native: b.native, tagged: b.tagged.filter((t) => !ids.includes(t)) })));
  }

  async resetPort(port: string): Promise<void> {
    const p = checkPort(this.vendor, port);
    await this.serial(() => this.change('resetPort', { port: p }, () => ({ native: null, tagged: [] })));
  }

  async readPort(port: string): Promise<PortVlans> {
    const p = checkPort(this.vendor, port);
    return this.serial(() => this.read(p));
  }

  async save(): Promise<void> {
    const lines = fillTemplates(this.vendor, this.vendor.commands.save, { parking: this.parking });
    if (lines.length > 0) await this.serial(() => this.send(lines, 'change'));
  }

  /** Runs the vendor's session setup (paging off); called once by the driver after login. */
  async start(): Promise<void> {
    if (this.vendor.sessionSetup.length > 0) await this.send(this.vendor.sessionSetup, 'read');
  }

  close(): Promise<void> {
    return this.channel.close();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async change(op: VendorOperation, values: Omit<TemplateValues, 'parking'>, next?: (before: PortVlans) => PortVlans): Promise<void> {
    const templates = this.vendor.commands[op];
    const filled: TemplateValues = { ...values, parking: this.parking };
    if (next && values.port !== undefined && needsPortState(templates)) {
      filled.before = await this.read(values.port);
      filled.after = next(filled.before);
    }
    const body = fillTemplates(this.vendor, templates, filled);
    if (body.length === 0) return;
    await this.send([...this.vendor.configure.enter, ...body, ...this.vendor.configure.leave], 'change');
  }

  private async read(port: string): Promise<PortVlans> {
    const lines = fillTemplates(this.vendor, this.vendor.commands.readPort, { port, parking: this.parking });
    const outcomes = await this.send(lines, 'read');
    const output = outcomes.map((o) => o.output).join('\n');
    try {
      return this.vendor.parsePort(output);
    } catch (err) {
      throw new SwitchRejected(this.sw, lines.join(' ; '), `unreadable answer (${(err as Error).message})`);
    }
  }

  private async send(commands: string[], kind: 'change' | 'read'): Promise<CommandOutcome[]> {
    const refused = (output: string) => this.vendor.errorPatterns.some((p) => p.test(output));
    driverLog().debug({ switch: this.sw, kind, commands }, `switch ${this.sw}: ${kind === 'change' ? 'configuring' : 'reading'} (${commands.length} commands)`);
    const outcomes = await this.channel.run(commands, kind, refused);
    const bad = outcomes.find((o) => o.failed);
    if (!bad) return outcomes;
    driverLog().debug({ switch: this.sw, command: bad.command, interrupted: bad.interrupted ?? false }, `switch ${this.sw}: "${bad.command}" refused`);
    const back = this.vendor.configure.abort ?? this.vendor.configure.leave;
    if (kind === 'change' && back.length > 0) {
      // Back to exec mode so the session stays usable; the refusal is what the caller needs to hear.
      await this.channel.run(back, 'change', () => false).catch(() => undefined);
    }
    if (bad.interrupted) throw new SwitchUnreachable(this.sw, `"${bad.command}" was interrupted: ${switchMessage(this.vendor, bad.output)}`);
    throw new SwitchRejected(this.sw, bad.command, switchMessage(this.vendor, bad.output));
  }
}

/** The switch's own error line when a pattern finds one, else its whole (bounded) answer. */
function switchMessage(vendor: SwitchVendor, output: string): string {
  for (const pattern of vendor.errorPatterns) {
    const m = pattern.exec(output);
    if (m) return m[0].trim();
  }
  return output.trim().slice(0, 500) || '(no output)';
}

export function parkingVlan(target: SwitchTarget): number {
  // HIL's Nexus and N3000 drivers call it `dummy_vlan` (hil-clients.md §8); /v0 keeps HIL's field names.
  const raw = target.options?.parkingVlan ?? target.options?.dummy_vlan;
  if (raw === undefined) return 1;
  if (!/^\d{1,4}$/.test(raw)) throw new InvalidInput('option parkingVlan', raw, 'a VLAN id is a whole number');
  return checkVlan(Number(raw), 'option parkingVlan');
}

export type ChannelOpener = (target: SwitchTarget, vendor: SwitchVendor) => Promise<CommandChannel>;

/** A SwitchDriver is a vendor (data) plus a way to reach it; everything else is the engine. */
export function vendorDriver(type: string, vendorFor: (target?: SwitchTarget) => SwitchVendor, openChannel: ChannelOpener): SwitchDriver {
  return {
    type,
    validatePort(port: string): void {
      checkPort(vendorFor(), port);
    },
    async open(target: SwitchTarget): Promise<SwitchSession> {
      const vendor = vendorFor(target);
      const parking = parkingVlan(target);
      const channel = await openChannel(target, vendor);
      const session = new VendorSession(target.name, vendor, channel, parking);
      try {
        await session.start();
      } catch (err) {
        await channel.close().catch(() => undefined);
        throw err;
      }
      return session;
    },
  };
}
