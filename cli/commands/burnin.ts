import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { ed25519KeyPair } from '../../drivers/host/key-pair';
import { loadLab } from '../../config/load-lab';
import type { Lab } from '../../config/lab';
import { loadSettings } from '../../config/settings';
import { connect } from '../../db/connection';
import { getCredential } from '../../db/credentials';
import { keyringFromEnv } from '../../db/crypto';
import type { Database } from '../../db/database';
import { listHosts } from '../../db/hosts';
import { databaseInventory } from '../../db/inventory';
import { parseLdapDirectoryOptions } from '../../drivers/directory/ldap-options';
import { CliError, EXIT, type CliContext } from '../context';
import { apiClient, type ApiClient } from './api-client';
import { alignRows } from './booking-screen';
import { vpnPasswordOf, type BookingView } from './booking-types';
import { watchBooking } from './booking-watch';
import { isolationRows, provisionRows, releaseRow, sshRows, vpnRow, type BurninBooking, type LabFacts, type Row } from './burnin-checks';
import { realPeers, type BurninPeers } from './burnin-peers';

/**
 * `laas burnin`: like Synnefo's snf-burnin for a cloud. Books one host of each flavor (or the
 * named hosts) with a key and a VPN user made for the run, checks what a user would try first
 * (SSH login with the key, the booking's network isolation on the switches, a VPN bind),
 * releases, and prints a pass/fail table. Exit 1 when any check fails.
 */

export interface BurninDeps {
  /** How checks reach the lab's devices; the real peers unless a test hands in others. */
  peers?: (lab: Lab, db: Kysely<Database>) => BurninPeers;
}

interface BurninOptions {
  hosts?: string;
  flavorEach?: boolean;
  project: string;
  owner: string;
  image?: string;
  leaseMinutes: number;
  timeout: number;
  labFile?: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

function defaultPeers(lab: Lab, db: Kysely<Database>): BurninPeers {
  let ldap = null;
  if (lab.directory.type === 'ldap') {
    // Only the URL and where accounts live are needed: the bind is the VPN user's own, never the admin's.
    const o = parseLdapDirectoryOptions({ ...lab.directory.options, bindPassword: 'not-used-by-burnin' } as Parameters<typeof parseLdapDirectoryOptions>[0]);
    ldap = { url: o.url, peopleDn: `${o.userDirectory},${o.root}`, timeoutMs: o.timeoutMs };
  }
  const { keyring } = keyringFromEnv();
  return realPeers({ ldap, credential: (name) => getCredential(db, keyring, name) });
}

function labFacts(db: Kysely<Database>, lab: string): LabFacts {
  const inventory = databaseInventory(db, lab);
  return {
    host: (name) => inventory.host(name),
    switchOf: (name) => inventory.switchOf(name),
    async allPorts() {
      const hosts = await listHosts(db, lab);
      const all = await Promise.all(hosts.map(async (h) => (await inventory.host(h.name))?.nics.map((n) => ({ host: h.name, switch: n.switch, port: n.port })) ?? []));
      return all.flat();
    },
  };
}

/** NIC names every one of these hosts has, in order: a flavor's booking must fit whichever host it gets. */
async function commonNics(db: Kysely<Database>, lab: string, hosts: string[]): Promise<string[]> {
  const inventory = databaseInventory(db, lab);
  const lists = await Promise.all(hosts.map(async (h) => (await inventory.host(h))?.nics.map((n) => n.name) ?? []));
  return (lists[0] ?? []).filter((nic) => lists.every((l) => l.includes(nic))).sort();
}

/** The first NIC carries the public network untagged, the second (or the first) the burn-in network tagged. */
function interfacesFor(nics: string[]): Record<string, { network: string; tagged: boolean }[]> {
  const [first, second] = nics;
  if (!first) return {};
  if (!second) return { [first]: [{ network: 'public', tagged: false }, { network: 'burnin', tagged: true }] };
  return { [first]: [{ network: 'public', tagged: false }], [second]: [{ network: 'burnin', tagged: true }] };
}

interface PlannedHost {
  request: { name: string } | { flavor: string };
  nics: string[];
}

async function planHosts(db: Kysely<Database>, lab: Lab, opts: BurninOptions): Promise<PlannedHost[]> {
  const inventory = (await listHosts(db, lab.name)).filter((h) => h.state === 'available');
  const named = (opts.hosts ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  for (const h of named) {
    if (!NAME.test(h)) throw new CliError(`--hosts: ${JSON.stringify(h)} is not a host name`, EXIT.usage);
    if (!inventory.some((x) => x.name === h)) throw new CliError(`--hosts: ${h} is not an available host of lab ${lab.name}`, EXIT.usage);
  }
  const plan: PlannedHost[] = await Promise.all(named.map(async (name) => ({ request: { name }, nics: await commonNics(db, lab.name, [name]) })));
  if (opts.flavorEach || !named.length) {
    const covered = new Set(named.map((n) => inventory.find((x) => x.name === n)?.flavor));
    const flavors = [...new Set(inventory.flatMap((h) => (h.flavor && !covered.has(h.flavor) ? [h.flavor] : [])))].sort();
    for (const flavor of flavors) {
      const hosts = inventory.filter((h) => h.flavor === flavor).map((h) => h.name);
      plan.push({ request: { flavor }, nics: await commonNics(db, lab.name, hosts) });
    }
  }
  if (!plan.length) throw new CliError(`lab ${lab.name} has no available host to burn in`, EXIT.failed);
  return plan;
}

/** Release (or abort a held booking) and follow it to its end. */
async function releaseAndWait(api: ApiClient, b: BookingView, ctx: CliContext, timeoutMs: number): Promise<BookingView> {
  if (b.state === 'held') await api.answerHold(b.id, 'abort');
  else if (b.state === 'active' || b.state === 'provisioning') await api.releaseBooking(b.id);
  if (b.state === 'failed' || b.state === 'released' || b.state === 'needs_cleanup') return b;
  return watchBooking(api, b.id, ctx, { mode: 'quiet', intervalMs: 500, timeoutMs, leaving: b.state }).catch(() => api.getBooking(b.id));
}

async function burnin(opts: BurninOptions, ctx: CliContext, json: boolean, deps: BurninDeps): Promise<void> {
  for (const [flag, value] of [['--project', opts.project], ['--owner', opts.owner]] as const) {
    if (!NAME.test(value)) throw new CliError(`${flag} ${JSON.stringify(value)} must be lower-case letters, digits, ".", "_" or "-"`, EXIT.usage);
  }
  const settings = loadSettings();
  const lab = loadLab(opts.labFile ?? settings.LAAS_LAB_FILE);
  const image = opts.image ?? lab.images[0]!.name;
  const api = apiClient();
  const db = connect(settings.DATABASE_URL, { max: 2 });
  try {
    const hosts = await planHosts(db, lab, opts);
    const key = ed25519KeyPair('laas-burnin');
    const suffix = randomBytes(3).toString('hex');
    const booking: BurninBooking = {
      id: `burnin-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${suffix}`,
      interfaces: hosts.map((h) => interfacesFor(h.nics)),
      loginUser: lab.hostLogin.username,
      key: { privateKey: key.private, publicKey: key.public },
      vpnUser: `burnin-${suffix}`,
    };
    await api.createBooking({
      id: booking.id,
      project: opts.project,
      owner: opts.owner,
      purpose: 'laas burnin',
      end: new Date(Date.now() + opts.leaseMinutes * 60_000).toISOString(),
      networks: [{ name: 'public', public: true }, { name: 'burnin' }],
      hosts: hosts.map((h, i) => ({ ...h.request, image, interfaces: booking.interfaces[i] })),
      access: { sshKeys: [key.public], vpnUsers: [booking.vpnUser] },
      // A burn-in that fails must not sit waiting for an operator.
      failurePolicy: 'compensate',
    });
    const asked = hosts.map((h) => ('name' in h.request ? h.request.name : `one ${h.request.flavor}`)).join(', ');
    if (!json) ctx.out(`burn-in booking ${booking.id}: ${asked}, image ${image}`);

    const timeoutMs = opts.timeout * 1000;
    let vpnPassword: string | undefined;
    const remember = (b: BookingView) => {
      vpnPassword ??= vpnPasswordOf(b, booking.vpnUser);
    };
    let view = await watchBooking(api, booking.id, ctx, { mode: 'quiet', intervalMs: 500, timeoutMs, onView: remember }).catch(() => api.getBooking(booking.id));
    const peers = (deps.peers ?? defaultPeers)(lab, db);
    const facts = labFacts(db, lab.name);
    const rows: Row[] = [
      ...provisionRows(view),
      ...(await sshRows(view, booking, facts, peers)),
      ...(await isolationRows(view, booking, facts, peers)),
      await vpnRow(view, booking, peers, vpnPassword),
    ];
    view = await releaseAndWait(api, view, ctx, timeoutMs);
    rows.push(releaseRow(view));

    const failed = rows.filter((r) => r.result === 'fail').length;
    if (json) ctx.out(JSON.stringify({ ok: failed === 0, booking: booking.id, state: view.state, checks: rows }, null, 2));
    else for (const line of alignRows([['CHECK', 'TARGET', 'RESULT', 'DETAIL'], ...rows.map((r) => [r.check, r.target, r.result.toUpperCase(), r.detail])])) ctx.out(line);
    if (failed) throw new CliError(`burn-in failed: ${failed} of ${rows.length} checks`, EXIT.failed);
  } finally {
    await db.destroy();
  }
}

export function register(program: Command, ctx: CliContext, deps: BurninDeps = {}): void {
  program
    .command('burnin')
    .description('book one host of each flavor (or --hosts), check SSH login, isolation and a VPN bind, release; exit 1 on any failure')
    .option('--hosts <names>', 'these hosts, comma separated')
    .option('--flavor-each', 'one host of every flavor (the default without --hosts; with it, the flavors they do not cover)')
    .option('--project <name>', 'project the burn-in booking is made for', 'burnin')
    .option('--owner <name>', 'owner of the burn-in booking', 'burnin')
    .option('--image <name>', "image to deploy (default: the lab's first)")
    .option('--lease-minutes <n>', 'lease of the burn-in booking', (v) => Number(v), 60)
    .option('--timeout <seconds>', 'longest wait for provisioning, and again for the release', (v) => Number(v), 3600)
    .option('--lab-file <path>', 'lab description (default: LAAS_LAB_FILE)')
    .option('--json', 'JSON output')
    .action(async (opts: BurninOptions, command: Command) => {
      for (const [flag, n] of [['--lease-minutes', opts.leaseMinutes], ['--timeout', opts.timeout]] as const) {
        if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a whole number ≥ 1`, EXIT.usage);
      }
      await burnin(opts, ctx, ctx.json(command), deps);
    });
}
