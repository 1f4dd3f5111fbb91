// Running activities the way a worker would, without a Temporal server: MockActivityEnvironment
// (heartbeats, heartbeat details of an earlier attempt, cancellation) over the simulated lab's
// devices, or over real counterparts where a test swaps a driver in.
import { join } from 'node:path';
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { loadLab } from '../../config/load-lab';
import type { Lab } from '../../config/lab';
import type { ActivityDeps, EventSink } from '../../activities/deps';
import { createActivities } from '../../activities';
import { MemoryHostKeyStore, rememberHostKeys } from '../../drivers/host/host-key-book';
import { SshHostDriver } from '../../drivers/host/ssh';
import { startSshd, type SshdBox } from '../../sim/counterparts/sshd';
import type { SimLab } from '../../sim/lab/lab';
import { inHostOs, NETWORK_FILE_DIRS } from '../../sim/real-lab-parts/host-os';
import { simLabDeps, type SimDepsOptions } from '../../workers/sim-deps';

export const simLabFile = join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml');

/** The simulated lab's description, as a copy a test may change (e.g. point a host's SSH at an sshd box). */
export function simLabDescription(): Lab {
  return structuredClone(loadLab(simLabFile));
}

const noEvents: EventSink = { append: () => Promise.resolve(), leftovers: () => Promise.resolve() };

export interface SimActivities {
  simLab: SimLab;
  deps: ActivityDeps;
  activities: ReturnType<typeof createActivities>;
}

/** Every activity on a fresh simulated lab; `drivers` replaces some of its devices with real ones. */
export function simActivities(options: SimDepsOptions & { lab?: Lab; change?: (deps: ActivityDeps) => ActivityDeps } = {}): SimActivities {
  const built = simLabDeps(options.lab ?? simLabDescription(), noEvents, options);
  const deps = options.change ? options.change(built.deps) : built.deps;
  return { simLab: built.simLab, deps, activities: createActivities(deps) };
}

/** One heartbeat as the server would record it, with how many device operations had finished by then. */
export interface Beat {
  details: unknown;
  /** Device operations of the simulated lab done before this beat. */
  ops: number;
  at: number;
}

export interface ActivityRun {
  env: MockActivityEnvironment;
  beats: Beat[];
  /** Runs `work` as an activity of this environment. */
  run: <T>(work: () => Promise<T>) => Promise<T>;
}

/**
 * A fresh activity environment: `info` sets the attempt and the heartbeat details an earlier attempt
 * left (what a retry sees); every heartbeat is kept with the lab's journal length at that moment.
 */
export function activityEnv(simLab: SimLab | null, info: Partial<Info> = {}): ActivityRun {
  const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
  const beats: Beat[] = [];
  env.on('heartbeat', (details: unknown) => beats.push({ details, ops: simLab?.journal.length ?? 0, at: Date.now() }));
  return { env, beats, run: <T>(work: () => Promise<T>) => env.run<[], T, () => Promise<T>>(work) };
}

/** The operations of the lab's journal after index `from`, as "at target detail" lines. */
export function journalSince(simLab: SimLab, from = 0): string[] {
  return simLab.journal.slice(from).map((j) => [j.at, j.target, j.detail].filter((x) => x !== undefined).join(' '));
}

/** The rejection of a promise that must fail. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure, got success');
}

export interface HostBox {
  box: SshdBox;
  lab: SimActivities;
  /** The lab's host driver, remembering the box's host key at first contact as a worker does. */
  driver: SshHostDriver;
}

/**
 * A real sshd box playing `host` as an image leaves it (no ~/.ssh, the network directories
 * there, host name "imaged"), and every activity with the inventory pointing the host at it.
 */
export async function hostBox(host: string): Promise<HostBox> {
  const driver = new SshHostDriver({ onFirstContact: rememberHostKeys(new MemoryHostKeyStore()), connectTimeoutMs: 5000, firstRebootPollMs: 100, maxRebootPollMs: 500 });
  const box = await startSshd({ hostname: 'imaged', rebootDelayMs: 200 });
  await inHostOs(box, ['mkdir', '-p', ...NETWORK_FILE_DIRS]);
  const description = simLabDescription();
  const entry = description.hosts.find((h) => h.name === host);
  if (!entry) throw new Error(`the simulated lab has no host ${host}`);
  entry.ssh = { address: box.address, port: box.port };
  const lab = simActivities({
    lab: description,
    timing: { rebootTimeoutMs: 20_000 },
    change: (deps) => ({ ...deps, drivers: { ...deps.drivers, host: driver }, hostLogin: { username: box.user, privateKey: box.privateKey } }),
  });
  return { box, lab, driver };
}
