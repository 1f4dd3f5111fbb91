/**
 * The LaaS dashboard connector's polling loop. Each poll reads the dashboard's new jobs (turn
 * each into a booking, or release the booking its teardown ends, and report 100) and its current
 * jobs (follow each booking and report 200 or 300 once it settles). It keeps no state of its own:
 * the dashboard's task statuses and the booking id derived from the job id say where every job
 * is, so a restarted connector carries on where the last one stopped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from '../config/lab';
import { bookingIdOf, intentOf, readJob, toBookingRequest, type DashboardJob } from './connector-job';
import { provisionReports, refusedReports, startedReports, teardownReports, STATUS, type TaskReport } from './connector-reports';
import { LaasRefused, type DashboardClient, type LaasClient } from './connector-clients';

export interface ConnectorLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface ConnectorDeps {
  dashboard: Pick<DashboardClient, 'newJobs' | 'currentJobs' | 'report'>;
  laas: Pick<LaasClient, 'getBooking' | 'createBooking' | 'releaseBooking'>;
  lab: Lab;
  /** The laas project the dashboard's bookings belong to. */
  project: string;
  /** Owner of a booking whose job names no usable user. */
  fallbackOwner: string;
  /** Lease given to each booking, as a backstop: the dashboard's teardown normally ends it first. */
  leaseHours: number;
  log: ConnectorLog;
  now?: () => Date;
}

export interface Connector {
  /** One pass over new and current jobs. Never throws: problems are logged and retried next poll. */
  pollOnce(): Promise<void>;
  /** Poll every `pollMs` until the signal aborts. */
  run(signal: AbortSignal, pollMs: number): Promise<void>;
}

/** States in which a booking still holds something a teardown must release. */
const RELEASABLE = new Set(['provisioning', 'held', 'active']);

export function createConnector(deps: ConnectorDeps): Connector {
  const { dashboard, laas, lab, log } = deps;
  const now = deps.now ?? (() => new Date());
  // The same failure every few seconds says nothing new: log it when it starts and when it ends.
  let lastTrouble: string | null = null;

  async function send(job: DashboardJob, reports: TaskReport[]): Promise<void> {
    for (const r of reports) {
      await dashboard.report(job.id, r.task, r.status, r.message);
      // Messages may one day carry what only the user should read: the log gets the status, and the reason of an error.
      log.info(`job ${job.id} task ${r.task}: ${r.status}${r.status === STATUS.ERROR ? ` (${r.message})` : ''}`);
    }
  }

  async function startJob(job: DashboardJob): Promise<void> {
    const intent = intentOf(job);
    const id = bookingIdOf(job.id);
    if (intent.kind === 'refused') {
      log.warn(`job ${job.id} refused: ${intent.problem}`);
      return send(job, refusedReports(job, problemsOf(job), `job ${job.id} refused: ${intent.problem}`));
    }
    if (intent.kind === 'provision') {
      if (!(await laas.getBooking(id))) {
        const built = toBookingRequest(job, lab, { project: deps.project, fallbackOwner: deps.fallbackOwner, leaseHours: deps.leaseHours, now: now() });
        if (!built.ok) {
          log.warn(`job ${job.id} refused: ${built.problems[0]!.message}`);
          return send(job, refusedReports(job, built.problems, `job ${job.id} refused: ${built.problems[0]!.message}`));
        }
        try {
          await laas.createBooking(built.request);
          log.info(`job ${job.id}: booking ${id} created`);
        } catch (err) {
          if (!(err instanceof LaasRefused)) throw err;
          // The id is derived from the job: a conflict means an earlier poll made this booking (its `end` differed).
          if (err.type !== 'BookingIdConflict') {
            log.warn(`job ${job.id}: laas refused the booking: ${err.message}`);
            return send(job, refusedReports(job, [], `lab ${lab.name} refused the booking: ${err.message}`));
          }
        }
      }
      return send(job, startedReports(job, false, id, lab.name));
    }
    const booking = await laas.getBooking(id);
    if (booking && RELEASABLE.has(booking.state)) {
      await laas.releaseBooking(id);
      log.info(`job ${job.id}: booking ${id} released`);
    }
    if (booking && (RELEASABLE.has(booking.state) || booking.state === 'releasing')) {
      return send(job, startedReports(job, true, id, lab.name));
    }
    // Nothing left to release (no booking, or it is over): the outcome is known now.
    const software = startedReports(job, true, id, lab.name).filter((r) => r.status !== STATUS.CURRENT);
    return send(job, [...software, ...(teardownReports(job, booking, lab) ?? [])]);
  }

  async function followJob(job: DashboardJob): Promise<void> {
    const intent = intentOf(job);
    const id = bookingIdOf(job.id);
    if (intent.kind === 'refused') return send(job, refusedReports(job, problemsOf(job), `job ${job.id} refused: ${intent.problem}`));
    const booking = await laas.getBooking(id);
    if (intent.kind === 'teardown') {
      const reports = teardownReports(job, booking, lab);
      return reports ? send(job, reports) : undefined;
    }
    if (!booking) return send(job, refusedReports(job, [], `booking ${id} is gone from lab ${lab.name}; ask the lab's operators`));
    const reports = provisionReports(job, booking, lab);
    if (reports) {
      log.info(`job ${job.id}: booking ${id} is ${booking.state}`);
      await send(job, reports);
    }
  }

  async function each(which: 'new' | 'current', handle: (job: DashboardJob) => Promise<void>): Promise<void> {
    const list = which === 'new' ? await dashboard.newJobs() : await dashboard.currentJobs();
    for (const raw of list) {
      let job: DashboardJob;
      try {
        job = readJob(raw);
      } catch (err) {
        // Without a job id there is nobody to answer to.
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

  async function pollOnce(): Promise<void> {
    try {
      await each('new', startJob);
      await each('current', followJob);
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

  return { pollOnce, run };
}

function problemsOf(job: DashboardJob): { task: string; message: string }[] {
  return job.tasks.flatMap((t) => (t.kind === 'unreadable' ? [{ task: t.id, message: t.problem }] : []));
}
