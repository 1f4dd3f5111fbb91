import { driverLog } from '../../config/driver-log';
import { type CommandResult, type CommandRunner, LocalCommandRunner } from './command-runner';
import { consoleOf, domainXml, nicsOf, stateOf } from './domain-xml';
import { HeadnodeFailed, HeadnodeRejected, HypervisorUnreachable, type Headnode, type HeadnodeDriver, type HeadnodeSpec } from './headnode';
import { checkHeadnodeName, checkHeadnodeSpec } from './headnode-input';
import { parseLibvirtHeadnodeOptions, type LibvirtHeadnodeInput, type LibvirtHeadnodeOptions } from './libvirt-options';

// virsh's own words when a domain of that name is not there (it hides libvirt's "Domain not found" detail).
const MISSING = /failed to get domain|domain not found|no domain with matching name/i;
const UNREACHABLE = /failed to connect to the hypervisor|cannot recv data|end of file while reading data|no route to host|connection refused/i;

const firstLines = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.replace(/^error:\s*/, '').trim())
    .filter(Boolean)
    .slice(0, 3)
    .join('; ');

/**
 * Headnodes as libvirt domains, driven through virsh and qemu-img. Every call
 * goes through a CommandRunner, so the same code runs here (tests, a worker on
 * the hypervisor) or on a remote hypervisor over SSH.
 */
export class LibvirtHeadnodes implements HeadnodeDriver {
  readonly kind = 'libvirt';
  private readonly options: Readonly<LibvirtHeadnodeOptions>;

  constructor(
    input: LibvirtHeadnodeInput,
    private readonly runner: CommandRunner = new LocalCommandRunner(),
  ) {
    this.options = parseLibvirtHeadnodeOptions(input);
  }

  async create(request: HeadnodeSpec): Promise<Headnode> {
    const spec = checkHeadnodeSpec(request);
    const existing = await this.get(spec.name);
    if (existing) return this.running(existing);

    const overlay = this.overlayPath(spec.name);
    await this.ensureOverlay(spec.name, `${this.options.imageDir}/${spec.baseImage}.qcow2`, overlay);
    const xml = domainXml({ spec, domainType: this.options.domainType, overlay, fabric: this.options.fabric, vncListen: this.options.vncListen });
    // virsh reads a definition from a file only (stdin may be a socket it cannot open), so the XML is kept
    // beside the overlay on the hypervisor, where it also records what was defined.
    const xmlPath = this.definitionPath(spec.name);
    const written = await this.run('tee', [xmlPath], xml);
    if (written.code !== 0) throw new HeadnodeFailed(spec.name, `could not write ${xmlPath}: ${firstLines(written.stderr)}`);
    const defined = await this.virsh(['define', xmlPath]);
    // Another attempt of the same step defined it first: theirs is as good as ours.
    if (defined.code !== 0 && !/already exists/i.test(defined.stderr)) {
      throw this.failure(spec.name, 'define', defined, true);
    }
    const created = await this.get(spec.name);
    if (!created) throw new HeadnodeFailed(spec.name, 'defined, but libvirt does not list it');
    return this.running(created);
  }

  async get(name: string): Promise<Headnode | null> {
    checkHeadnodeName(name);
    const state = await this.virsh(['domstate', name]);
    if (state.code !== 0) {
      if (MISSING.test(state.stderr)) return null;
      throw this.failure(name, 'read the state of', state);
    }
    const xml = await this.virsh(['dumpxml', name]);
    if (xml.code !== 0) {
      if (MISSING.test(xml.stderr)) return null;
      throw this.failure(name, 'read', xml);
    }
    const console = consoleOf(xml.stdout, this.options.consoleHost);
    return {
      name,
      state: stateOf(state.stdout),
      nics: nicsOf(xml.stdout, this.options.fabric),
      ...(console ? { console } : {}),
    };
  }

  async destroy(name: string): Promise<void> {
    checkHeadnodeName(name);
    const headnode = await this.get(name);
    if (headnode && headnode.state !== 'shut off') {
      const stopped = await this.virsh(['destroy', name]);
      if (stopped.code !== 0 && !/not running|failed to get domain/i.test(stopped.stderr)) throw this.failure(name, 'stop', stopped);
    }
    if (headnode) {
      const forgotten = await this.virsh(['undefine', name]);
      if (forgotten.code !== 0 && !MISSING.test(forgotten.stderr)) throw this.failure(name, 'undefine', forgotten);
    }
    // Also when the domain is gone: an attempt that died between qemu-img and define leaves only the overlay.
    const removed = await this.run('rm', ['-f', '--', this.overlayPath(name), this.definitionPath(name)]);
    if (removed.code !== 0) throw new HeadnodeFailed(name, `could not delete the overlay: ${firstLines(removed.stderr)}`);
  }

  /** Hard power-off, the domain kept (HIL's headnode stop); a domain that is off or missing is a no-op. */
  async stop(name: string): Promise<void> {
    checkHeadnodeName(name);
    const stopped = await this.virsh(['destroy', name]);
    if (stopped.code !== 0 && !/not running|domain is not running/i.test(stopped.stderr) && !MISSING.test(stopped.stderr)) throw this.failure(name, 'stop', stopped);
  }

  /** HIL's `base_imgs`: the `<name>.qcow2` images in the image directory, by name; none when it cannot be read. */
  async images(): Promise<string[]> {
    const listed = await this.run('find', [this.options.imageDir, '-maxdepth', '1', '-type', 'f', '-name', '*.qcow2', '-printf', '%f\\n']);
    if (listed.code !== 0) return [];
    return listed.stdout.split('\n').filter((f) => f.endsWith('.qcow2')).map((f) => f.slice(0, -'.qcow2'.length)).sort();
  }

  private overlayPath(name: string): string {
    return `${this.options.overlayDir}/${name}.qcow2`;
  }

  private definitionPath(name: string): string {
    return `${this.options.overlayDir}/${name}.xml`;
  }

  /** A defined headnode that is not running (a create that died before start) is started, not left dark. */
  private async running(headnode: Headnode): Promise<Headnode> {
    if (headnode.state !== 'shut off') return headnode;
    const started = await this.virsh(['start', headnode.name]);
    if (started.code !== 0 && !/already active|already running/i.test(started.stderr)) throw this.failure(headnode.name, 'start', started);
    return (await this.get(headnode.name)) ?? headnode;
  }

  /** A copy-on-write qcow2 on top of the base image; a leftover overlay from a dead attempt is reused, not clobbered. */
  private async ensureOverlay(name: string, base: string, overlay: string): Promise<void> {
    const info = await this.run(this.options.qemuImg, ['info', '-U', '--output=json', overlay]);
    if (info.code === 0) {
      const backing = (JSON.parse(info.stdout) as { 'backing-filename'?: string })['backing-filename'];
      if (backing === base) return;
      throw new HeadnodeRejected(name, `${overlay} exists and is not an overlay of ${base}`);
    }
    const made = await this.run(this.options.qemuImg, ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', overlay]);
    if (made.code === 0) return;
    if (/could not open|no such file/i.test(made.stderr)) throw new HeadnodeRejected(name, `base image ${base} cannot be opened: ${firstLines(made.stderr)}`);
    throw new HeadnodeFailed(name, `qemu-img could not create the overlay: ${firstLines(made.stderr)}`);
  }

  private run(program: string, args: string[], input?: string): Promise<CommandResult> {
    driverLog().debug({ program, args }, `libvirt: ${program} ${args.join(' ')}`);
    return this.runner.run(program, args, { timeoutMs: this.options.timeoutMs, ...(input === undefined ? {} : { input }) }).catch((err: unknown) => {
      throw new HypervisorUnreachable(`${program}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  private virsh(args: string[], input?: string): Promise<CommandResult> {
    return this.run(this.options.virsh, ['-q', '-c', this.options.uri, ...args], input);
  }

  private failure(name: string, action: string, result: CommandResult, refused = false): Error {
    const detail = firstLines(result.stderr) || `exit status ${result.code}`;
    if (result.code === -1 || UNREACHABLE.test(result.stderr)) return new HypervisorUnreachable(detail);
    return refused ? new HeadnodeRejected(name, `libvirt refused to ${action} it: ${detail}`) : new HeadnodeFailed(name, `could not ${action} it: ${detail}`);
  }
}
