/**
 * The LaaS 2.x dashboard connector's polling loop. New tasks: a setup job becomes a booking (or,
 * for a running booking, re-images the hosts the dashboard re-issued), a teardown re-issue releases
 * it; each task hears 100. Current tasks: reported 200 or 300 once the booking settles. The booking
 * ends only on the teardown re-issue. State lives in the dashboard's task statuses and the booking
 * id derived from the job id, so a restarted connector carries on (jobs/current lists what it left).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from '../config/lab';
import { bookingIdOf, bookingTasks, intentOf, readJob, setUpToken, type AccessTask, type DashboardJob, type HardwareTask, type JobTask } from './connector-job';
import { imageOf, toBookingRequest } from './connector-request';
import { provisionReports, refusedReports, startedReports, teardownReports, STATUS, type BookingView, type TaskReport } from './connector-reports';
import { LaasRefused, type DashboardClient, type LaasClient } from './connector-clients';
import { createUserDirectory } from './connector-users';
import { createHousekeeping, type HostState } from './connector-housekeeping';

export interface ConnectorLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface ConnectorDeps {
  dashboard: Pick<DashboardClient, 'newJobs' | 'currentJobs' | 'doneJobs' | 'report' | 'user' | 'host' | 'markHost' | 'activeUsers' | 'pushImage'>;
  laas: Pick<LaasClient, 'getBooking' | 'claimVpnPasswords' | 'createBooking' | 'releaseBooking' | 'reimage' | 'events' | 'activeOwners'>;
  lab: Lab;
  project: string;
  fallbackOwner: string;
  /** The booking's lease: a safety bound far beyond the dashboard's longest booking, never the end. */
  leaseHours: number;
  /** Hours before that bound at which a booking the dashboard still runs raises an alert. */
  alertHours: number;
  /** The architecture the lab's images are pushed with; default x86_64. */
  imageArchitecture?: 'x86_64' | 'aarch64' | 'unknown';
  publicVlans: ReadonlySet<number>;
  userMap: ReadonlyMap<string, string>;
  loginUser: string;
  /** laas's own view of its hosts (maintenance), reported to the dashboard as working or not. */
  hostStates?: () => Promise<Map<string, HostState>>;
  /** Polls between two housekeeping rounds (host health, lease alerts). */
  housekeepingEvery?: number;
  log: ConnectorLog;
  now?: () => Date;
}

export interface Connector {
  pollOnce(): Promise<void>;
  /** Host health and the lease alert, now. */
  housekeeping(): Promise<void>;
  run(signal: AbortSignal, pollMs: number): Promise<void>;
}

const RELEASABLE = new Set(['scheduled', 'provisioning', 'held', 'active']);

export function createConnector(deps: ConnectorDeps): Connector {
  const { dashboard, laas, lab, log } = deps;
  const now = deps.now ?? (() => new Date());
  const users = createUserDirectory((id) => dashboard.user(id), deps.userMap);
  /** VPN passwords seen in a booking view (handed out once by laas), kept until the VPN task is answered. */
  const passwords = new Map<string, Record<string, string>>();
  let lastTrouble: string | null = null;
  let imageTrouble: string | null = null;
  let polls = 0;

  async function booking(id: string): Promise<BookingView | null> {
    const view = await laas.getBooking(id);
    if (view?.access?.vpnPasswords) passwords.set(id, { ...passwords.get(id), ...view.access.vpnPasswords });
    // laas hands the passwords to the owner's own read only: the connector, a dashboard, asks for them once.
    if (view?.state === 'active' && view.access?.vpnAccounts.length && !passwords.has(id)) {
      passwords.set(id, (await laas.claimVpnPasswords(id)) ?? {});
    }
    return view;
  }

  async function send(job: DashboardJob, reports: TaskReport[]): Promise<void> {
    for (const r of reports) {
      await dashboard.report(job.id, r.task, r.status, r.message, r.labToken);
      // Messages may carry a VPN password: the log gets the status, and the reason of an error.
      log.info(`job ${job.id} task ${r.task}: ${r.status}${r.status === STATUS.ERROR ? ` (${r.message})` : ''}`);
    }
  }

  const accessUsers = (tasks: JobTask[]) => tasks.filter((t): t is AccessTask => t.kind === 'access').map((t) => t.user);

  async function setUp(job: DashboardJob, id: string): Promise<void> {
    const existing = await booking(id);
    if (existing?.state === 'active') return reimage(job, id);
    if (existing) return send(job, startedReports(job.tasks, false, id, lab.name));
    const known = await users.resolve(accessUsers(job.tasks));
    const built = toBookingRequest(job, lab, known, { project: deps.project, fallbackOwner: deps.fallbackOwner, leaseHours: deps.leaseHours, publicVlans: deps.publicVlans, now: now() });
    if (!built.ok) {
      log.warn(`job ${job.id} refused: ${built.problems[0]!.message}`);
      return send(job, refusedReports(job.tasks, built.problems, `job ${job.id} refused: ${built.problems[0]!.message}`));
    }
    try {
      await laas.createBooking(built.request);
      log.info(`job ${job.id}: booking ${id} created`);
    } catch (err) {
      if (!(err instanceof LaasRefused)) throw err;
      // The id is derived from the job: a conflict on the id means an earlier poll made this booking.
      if (err.type !== 'BookingIdConflict') {
        log.warn(`job ${job.id}: laas refused the booking: ${err.message}`);
        return send(job, refusedReports(job.tasks, [], `lab ${lab.name} refused the booking: ${err.message}`));
      }
    }
    const refused = new Set(built.refused.map((r) => r.task));
    await send(job, refusedReports(job.tasks.filter((t) => refused.has(t.id)), built.refused, ''));
    return send(job, startedReports(job.tasks.filter((t) => !refused.has(t.id)), false, id, lab.name));
  }

  /** A re-issue of a running booking's hardware task with power on (reference §12): re-image that host. */
  async function reimage(job: DashboardJob, id: string): Promise<void> {
    const refused: TaskReport[] = [];
    // Only a hardware task this lab brought to 200 (its lab_token says so) is a re-image; the others resume.
    for (const t of job.tasks.filter((x): x is HardwareTask => x.kind === 'hardware' && x.labToken === setUpToken(id))) {
      const image = imageOf(lab, t.image);
      if (!image) {
        refused.push({ task: t.id, status: STATUS.ERROR, message: `lab ${lab.name} has no image ${t.image ?? '(none named)'}; ${t.host} keeps its image` });
        continue;
      }
      const n = await laas.reimage(id, t.host, image);
      log.info(`job ${job.id}: re-imaging ${t.host} with ${image} (re-image ${n} of booking ${id})`);
    }
    await send(job, refused);
    const done = new Set(refused.map((r) => r.task));
    return send(job, startedReports(job.tasks.filter((t) => !done.has(t.id)), false, id, lab.name));
  }

  async function tearDown(job: DashboardJob, id: string): Promise<void> {
    const b = await booking(id);
    if (b && RELEASABLE.has(b.state)) {
      await laas.releaseBooking(id);
      log.info(`job ${job.id}: booking ${id} released (teardown re-issued by the dashboard)`);
    }
    const started = startedReports(job.tasks, true, id, lab.name);
    if (b && (RELEASABLE.has(b.state) || b.state === 'releasing')) return send(job, started);
    // Nothing left to release: the outcome is known now.
    return send(job, [...started.filter((r) => r.status !== STATUS.CURRENT), ...(teardownReports(job.tasks, b, lab) ?? [])]);
  }

  async function startJob(job: DashboardJob): Promise<void> {
    const intent = intentOf(job);
    const id = bookingIdOf(job.id);
    if (intent.kind === 'refused') return send(job, refusedReports(job.tasks, [], `job ${job.id} refused: ${intent.problem}`));
    if (intent.kind === 'none') return send(job, startedReports(job.tasks, false, id, lab.name));
    const own = new Set<JobTask>(bookingTasks(job));
    const others = startedReports(job.tasks.filter((t) => !own.has(t)), intent.kind === 'teardown', id, lab.name);
    await send(job, others);
    const sided = { ...job, tasks: [...own] };
    return intent.kind === 'setup' ? setUp(sided, id) : tearDown(sided, id);
  }

  /** Re-images asked for and not finished yet (events host:reimage without their host:reimaged). */
  async function reimaging(id: string): Promise<boolean> {
    const events = await laas.events(id);
    const finished = new Set(events.filter((e) => e.kind === 'host:reimaged').map((e) => e.detail.reimage));
    return events.some((e) => e.kind === 'host:reimage' && !finished.has(e.detail.reimage));
  }

  async function followJob(job: DashboardJob): Promise<void> {
    const intent = intentOf(job);
    const id = bookingIdOf(job.id);
    if (intent.kind === 'refused') return send(job, refusedReports(job.tasks, [], `job ${job.id} refused: ${intent.problem}`));
    if (intent.kind === 'none') return;
    const b = await booking(id);
    if (intent.kind === 'teardown') {
      const reports = teardownReports(job.tasks, b, lab);
      return reports ? send(job, reports) : undefined;
    }
    if (!b) return send(job, refusedReports(job.tasks, [], `booking ${id} is gone from lab ${lab.name}; ask the lab's operators`));
    if (b.state === 'active' && (await reimaging(id))) return;
    const known = await users.resolve(accessUsers(job.tasks));
    const reports = provisionReports(job.tasks, b, { lab, users: known, passwords: passwords.get(id) ?? {}, loginUser: deps.loginUser });
    if (!reports) return;
    log.info(`job ${job.id}: booking ${id} is ${b.state}`);
    await send(job, reports);
    // Handed out once: a VPN task answered with the password is the password delivered.
    if (job.tasks.some((t) => t.kind === 'access' && t.accessType === 'vpn')) passwords.delete(id);
  }

  async function each(jobs: unknown[], which: string, handle: (job: DashboardJob) => Promise<void>): Promise<void> {
    for (const raw of jobs) {
      let job: DashboardJob;
      try {
        job = readJob(raw);
      } catch (err) {
        log.warn(`skipped a ${which} job: ${(err as Error).message}`);
        continue;
      }
      try {
        await handle(job);
      } catch (err) {
        // One job's trouble must not stop the others; it is tried again next poll.
        log.warn(`job ${job.id}: ${(err as Error).message}; trying again next poll`);
      }
    }
  }

  const housekeeping = createHousekeeping({ ...deps, booking });

  async function pollOnce(): Promise<void> {
    try {
      // Hardware tasks name images by the ids the lab pushed: pushed before the first job is read,
      // and again on the next poll when it failed; jobs are read meanwhile (admins may enter ids by hand).
      await housekeeping.pushImagesOnce().catch((err: unknown) => {
        const trouble = `images not pushed: ${(err as Error).message}`;
        if (trouble !== imageTrouble) log.warn(`${trouble}; trying again next poll`);
        imageTrouble = trouble;
      });
      const fresh = await dashboard.newJobs();
      // The hourly analytics task takes no status: it is answered with a count on its own route.
      await housekeeping.answerActiveUsers(activeUsersTasks(fresh));
      await each(fresh, 'new', startJob);
      await each(await dashboard.currentJobs(), 'current', followJob);
      if (++polls % (deps.housekeepingEvery ?? 30) === 1) await housekeeping.run();
      if (lastTrouble) log.info('polling works again');
      lastTrouble = null;
    } catch (err) {
      const trouble = (err as Error).message;
      if (trouble !== lastTrouble) log.warn(`${trouble}; polling again`);
      lastTrouble = trouble;
    }
  }

  async function run(signal: AbortSignal, pollMs: number): Promise<void> {
    while (!signal.aborted) {
      await pollOnce();
      await sleep(pollMs, undefined, { signal }).catch(() => undefined);
    }
  }

  return { pollOnce, housekeeping: () => housekeeping.run(), run };
}

/** Ids of the `active users task` tasks in a listing. */
function activeUsersTasks(jobs: unknown[]): string[] {
  return jobs.flatMap((j) => Object.keys((j as { payload?: Record<string, Record<string, unknown>> } | null)?.payload?.['active users task'] ?? {}));
}
