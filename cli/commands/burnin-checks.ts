import type { PortVlans } from '../../drivers/switch/switch';
import type { BookingView, StepView } from './booking-types';
import { duration } from './booking-screen';
import type { BurninPeers, CheckResult, Outcome, SwitchRef } from './burnin-peers';

/**
 * What burn-in expects of a booking, check by check. Each check yields rows of a pass/fail
 * table; a check that cannot run says why (skip), and an exception is a failure, never a crash.
 */

export interface Row {
  check: string;
  target: string;
  result: CheckResult;
  detail: string;
}

/** Where a host's NICs are cabled, and how to reach its OS: from the lab's inventory. */
export interface HostFacts {
  ssh: { address: string; port: number };
  nics: { name: string; switch: string; port: string }[];
}

export interface LabFacts {
  host(name: string): Promise<HostFacts | null>;
  switchOf(name: string): Promise<SwitchRef | null>;
  /** Every cabled NIC of the lab: a port outside the booking must not carry its VLANs. */
  allPorts(): Promise<{ host: string; switch: string; port: string }[]>;
}

export interface BurninBooking {
  id: string;
  /** Per requested host, in request order: NIC → networks on it. */
  interfaces: Record<string, { network: string; tagged: boolean }[]>[];
  loginUser: string;
  key: { privateKey: string; publicKey: string };
  vpnUser: string;
}

const row = (check: string, target: string, o: Outcome): Row => ({ check, target, ...o });
const errorText = (s: StepView) => `${s.step}: ${s.error!.type}: ${s.error!.message}`;

function span(steps: StepView[]): string {
  const starts = steps.flatMap((s) => (s.startedAt ? [Date.parse(s.startedAt)] : []));
  const ends = steps.flatMap((s) => (s.finishedAt ? [Date.parse(s.finishedAt)] : []));
  return starts.length && ends.length ? ` in ${duration(Math.max(...ends) - Math.min(...starts))}` : '';
}

/** Every host's five steps ran (done, or done and since undone by a later failure). */
export function provisionRows(b: BookingView): Row[] {
  return b.hosts.map((h) => {
    const failed = h.steps.find((s) => s.error);
    if (failed) return row('provision', h.name, { result: 'fail', detail: errorText(failed) });
    if (h.steps.every((s) => s.status === 'done')) return row('provision', h.name, { result: 'pass', detail: `every step done${span(h.steps)}` });
    if (h.steps.every((s) => s.status === 'undone')) return row('provision', h.name, { result: 'pass', detail: `every step done${span(h.steps)}, undone when the booking failed` });
    if (b.state === 'failed' && b.error && h.steps.every((s) => s.status === 'pending')) return row('provision', h.name, { result: 'fail', detail: `${b.error.type}: ${b.error.message}` });
    return row('provision', h.name, { result: b.state === 'provisioning' ? 'fail' : 'skip', detail: `booking is ${b.state} before ${h.name} was provisioned` });
  });
}

async function guarded(check: string, target: string, work: () => Promise<Outcome>): Promise<Row> {
  try {
    return row(check, target, await work());
  } catch (err) {
    return row(check, target, { result: 'fail', detail: (err as Error).message });
  }
}

export async function sshRows(b: BookingView, booking: BurninBooking, facts: LabFacts, peers: BurninPeers): Promise<Row[]> {
  return Promise.all(
    b.hosts.map((h) =>
      guarded('ssh login', h.name, async () => {
        if (b.state !== 'active') return { result: 'skip', detail: `booking is ${b.state}, not active` };
        const f = await facts.host(h.name);
        if (!f) return { result: 'fail', detail: `${h.name} is not in the lab's inventory` };
        return peers.sshLogin({ host: h.name, address: f.ssh.address, port: f.ssh.port, username: booking.loginUser, ...booking.key });
      }),
    ),
  );
}

const same = (a: PortVlans, b: PortVlans) => a.native === b.native && a.tagged.length === b.tagged.length && a.tagged.every((v, i) => v === b.tagged[i]);
const show = (p: PortVlans) => `native ${p.native ?? '-'} tagged [${p.tagged.join(',')}]`;

type Reading = { ports: Map<string, PortVlans> } | { skip: string } | { error: string };

async function readSwitch(name: string, ports: string[], facts: LabFacts, peers: BurninPeers): Promise<Reading> {
  try {
    const sw = await facts.switchOf(name);
    if (!sw) return { error: `switch ${name} is not in the lab's inventory` };
    const read = await peers.readPorts(sw, ports);
    return read instanceof Map ? { ports: read } : read;
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * Isolation as the switches have it: each booked port carries exactly the booking's VLANs, and no
 * other port of the lab carries any of them. (A switch configuration check, not a packet test.)
 */
export async function isolationRows(b: BookingView, booking: BurninBooking, facts: LabFacts, peers: BurninPeers): Promise<Row[]> {
  if (b.state !== 'active') return b.hosts.map((h) => row('isolation', h.name, { result: 'skip', detail: `booking is ${b.state}, not active` }));
  const vlanOf = new Map(b.networks.map((n) => [n.name, n.vlan]));
  const ours = new Set(b.networks.flatMap((n) => (n.vlan === null ? [] : [n.vlan])));
  const booked = new Map<string, { host: string; nic: string; want: PortVlans }>();
  for (const [i, h] of b.hosts.entries()) {
    const f = await facts.host(h.name);
    for (const [nic, nets] of Object.entries(booking.interfaces[i] ?? {})) {
      const cabled = f?.nics.find((n) => n.name === nic);
      if (!cabled) continue;
      const native = nets.find((n) => !n.tagged);
      const tagged = nets.filter((n) => n.tagged).flatMap((n) => {
        const v = vlanOf.get(n.network);
        return v === undefined || v === null ? [] : [v];
      });
      booked.set(`${cabled.switch} ${cabled.port}`, { host: h.name, nic, want: { native: native ? (vlanOf.get(native.network) ?? null) : null, tagged: tagged.sort((x, y) => x - y) } });
    }
  }
  const allPorts = await facts.allPorts();
  const problems = new Map<string, string[]>(b.hosts.map((h) => [h.name, []]));
  const switchRows: Row[] = [];
  for (const name of new Set([...booked.keys()].map((k) => k.split(' ')[0]!))) {
    const ports = allPorts.filter((p) => p.switch === name).map((p) => p.port);
    const reading = await readSwitch(name, ports, facts, peers);
    const mine = [...booked.entries()].filter(([k]) => k.startsWith(`${name} `)).map(([, w]) => w);
    if (!('ports' in reading)) {
      const outcome: Outcome = 'skip' in reading ? { result: 'skip', detail: reading.skip } : { result: 'fail', detail: `not read: ${reading.error}` };
      switchRows.push(row('isolation', name, outcome));
      for (const w of mine) problems.get(w.host)?.push(`${outcome.result}:${outcome.detail}`);
      continue;
    }
    const strangers: string[] = [];
    for (const port of ports) {
      const have = reading.ports.get(port);
      if (!have) continue;
      const w = booked.get(`${name} ${port}`);
      if (w && !same(have, w.want)) problems.get(w.host)?.push(`fail:${w.nic} (${name} ${port}) has ${show(have)}, booked ${show(w.want)}`);
      const leaked = [have.native, ...have.tagged].filter((v): v is number => v !== null && ours.has(v));
      if (!w && leaked.length) strangers.push(`${port} carries ${leaked.join(',')}`);
    }
    switchRows.push(
      row('isolation', name, strangers.length
        ? { result: 'fail', detail: `ports outside the booking carry its VLANs: ${strangers.join('; ')}` }
        : { result: 'pass', detail: `no port outside the booking carries VLAN ${[...ours].join(', ')}` }),
    );
  }
  const hostRows = b.hosts.map((h) => {
    const found = problems.get(h.name) ?? [];
    const failures = found.filter((p) => p.startsWith('fail:')).map((p) => p.slice(5));
    if (failures.length) return row('isolation', h.name, { result: 'fail', detail: failures.join('; ') });
    const skip = found.find((p) => p.startsWith('skip:'));
    if (skip) return row('isolation', h.name, { result: 'skip', detail: skip.slice(5) });
    return row('isolation', h.name, { result: 'pass', detail: "its ports carry exactly the booking's VLANs" });
  });
  return [...hostRows, ...switchRows];
}

/** `password`: the VPN account's generated password, if some reading of the booking showed it. */
export async function vpnRow(b: BookingView, booking: BurninBooking, peers: BurninPeers, password?: string): Promise<Row> {
  return guarded('vpn bind', booking.vpnUser, async () => {
    const step = (b.bookingSteps ?? []).find((s) => s.step === 'vpn');
    if (step?.error) return { result: 'fail', detail: `the booking's ${errorText(step)}` };
    if (b.state !== 'active') return { result: 'skip', detail: `booking is ${b.state}, not active` };
    return peers.vpnBind({ bookingId: b.id, uid: booking.vpnUser, ...(password ? { password } : {}) });
  });
}

/** After the release: nothing of the booking is left anywhere. */
export function releaseRow(b: BookingView): Row {
  const left = b.cleanup?.leftovers ?? [];
  if (left.length) return row('release', b.id, { result: 'fail', detail: `left behind: ${left.map((l) => `${l.host ?? 'booking'} ${l.step}: ${l.error.type}`).join('; ')}` });
  if (b.state === 'released') return row('release', b.id, { result: 'pass', detail: 'released; every undo ran' });
  if (b.state === 'failed') return row('release', b.id, { result: 'pass', detail: 'undone after its failure; every undo ran' });
  return row('release', b.id, { result: 'fail', detail: `booking is still ${b.state}` });
}
