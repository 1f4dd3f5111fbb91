// (c) The old LaaS pipeline's shape, for comparison with (b): the same 20 hosts and latencies, the
// same activities called directly (no workflow): every host's power and imaging in parallel, then
// each later step host by host. Usage: npx tsx bench/phased.ts [--repeat 2]
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import { simLabDeps } from '../workers/sim-deps';
import { planHost } from '../workflows/plan';
import { benchBooking } from './lib/booking';
import { benchLab } from './lib/bench-lab';
import { bookingLevelTimeMs, deviceTimeMs, IMAGING_POLL_MS, PROFILE, PROFILE_HOSTS } from './lib/latency-profile';
import { load, machine, option } from './lib/setup';

const repeat = Number(option('repeat', '2'));
const s = (ms: number) => (ms / 1000).toFixed(2);

/** Each call gets its own activity context, as a worker would give it. */
function call<R>(work: () => Promise<R>): Promise<R> {
  return new MockActivityEnvironment().run(work);
}

async function run(n: number): Promise<void> {
  const { deps, simLab } = simLabDeps(benchLab(PROFILE_HOSTS.length), { append: () => Promise.resolve(), leftovers: () => Promise.resolve() }, {
    ...PROFILE,
    timing: { imagingPollMs: IMAGING_POLL_MS },
  });
  const act = createActivities(deps);
  const input = benchBooking(`phased-${n}`, PROFILE_HOSTS, 'alice');
  const loadBefore = load();
  const t0 = Date.now();
  const hosts = input.hosts.map((h) => ({ name: h.name! }));
  const networks = input.networks.map((x) => x.name);
  const allocation = await call(() => act.allocateBooking({ bookingId: input.id, hosts, networks, start: input.start, end: input.end }));
  const plans = input.hosts.map((req, i) => planHost(input, req, allocation.hosts[i]!, allocation, 'none'));

  // Power and imaging: every host at once, as the old pipeline did.
  await Promise.all(
    plans.map(async (p) => {
      await call(() => act.preparePower({ host: p.host }));
      await call(() => act.imageHost({ host: p.host, image: p.image }));
    }),
  );
  const imaged = Date.now() - t0;
  // Then each later step, one host at a time.
  const phases: string[] = [];
  type Plan = (typeof plans)[number];
  const later: [string, (p: Plan) => Promise<unknown>][] = [
    ['switch', (p) => call(() => act.configureSwitchPorts({ host: p.host, nics: p.nics }))],
    ['network', (p) => call(() => act.writeNetworkFiles({ host: p.host, image: p.image, hostname: p.hostname, nics: p.nics, publicNetwork: p.publicNetwork }))],
    ['access', (p) => call(() => act.installSshKeys({ bookingId: input.id, host: p.host, keys: p.sshKeys }))],
  ];
  for (const [step, work] of later) {
    for (const p of plans) await work(p);
    phases.push(`${step} done at ${s(Date.now() - t0)} s`);
  }
  await call(() => act.createVpnAccounts({ bookingId: input.id, project: input.project, users: input.access.vpnUsers }));
  const headnodeNetworks = input.headnode!.networks.map((name) => ({ name, vlan: allocation.vlans[name]! }));
  await call(() => act.createHeadnode({ bookingId: input.id, image: input.headnode!.image, networks: headnodeNetworks }));
  const wall = Date.now() - t0;

  const slowest = Math.max(...PROFILE_HOSTS.map((h) => deviceTimeMs(simLab, h, simLab.journal)));
  const floor = slowest + bookingLevelTimeMs(simLab, simLab.journal);
  console.log(
    [
      `run ${n}: allocation to headnode ${s(wall)} s; the slowest host's device time is ${s(slowest)} s → ratio ${(wall / slowest).toFixed(2)} ` +
        `(${(wall / floor).toFixed(2)} counting the booking-level steps, floor ${s(floor)} s)`,
      `  power + imaging of all hosts done at ${s(imaged)} s; ${phases.join('; ')}; ${simLab.journal.length} device operations`,
      `  load ${loadBefore} → ${load()}`,
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  console.log(machine());
  console.log(`profile: ${PROFILE_HOSTS.length} hosts, latency ${PROFILE.latencyMs} ms, imaging ${PROFILE.imagingMs} ms, slower hosts ${JSON.stringify(PROFILE.targetLatencyMs)}, imaging poll ${IMAGING_POLL_MS} ms\n`);
  for (let n = 1; n <= repeat; n++) await run(n);
}

await main();
