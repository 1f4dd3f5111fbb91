/**
 * What the connector does besides jobs: tells the dashboard which hosts laas keeps out of service
 * (`POST hosts/<labid>` working=false, true again when they return), answers the hourly
 * analytics task with the number of users holding an active booking, and raises an alert for a
 * booking the dashboard still runs when it nears laas's safety bound (it is never released for it),
 * and pushes the lab's images (`POST image/<id>`) under the ids hardware tasks then name.
 */
import type { Lab } from '../config/lab';
import { bookingIdOf, readJob } from './connector-job';
import type { BookingView } from './connector-reports';
import type { DashboardClient, DashboardImageFields, LaasClient } from './connector-clients';
import { dashboardImageId } from './connector-request';

export type HostState = 'available' | 'maintenance' | 'retired';

export interface HousekeepingDeps {
  dashboard: Pick<DashboardClient, 'doneJobs' | 'host' | 'markHost' | 'activeUsers' | 'pushImage'>;
  laas: Pick<LaasClient, 'activeOwners'>;
  lab: Lab;
  alertHours: number;
  /** The architecture the lab's images are pushed with (the dashboard offers an image to hosts of that architecture). */
  imageArchitecture?: DashboardImageFields['architecture'];
  hostStates?: () => Promise<Map<string, HostState>>;
  booking: (id: string) => Promise<BookingView | null>;
  log: { info(message: string): void; warn(message: string): void };
  now?: () => Date;
}

export function createHousekeeping(deps: HousekeepingDeps) {
  const { dashboard, log } = deps;
  const now = deps.now ?? (() => new Date());
  const answered = new Set<string>();
  const alerted = new Set<string>();

  /** Working means laas offers the host; a host in maintenance or retired is not working. */
  async function hostHealth(): Promise<void> {
    if (!deps.hostStates) return;
    const states = await deps.hostStates();
    for (const h of deps.lab.hosts) {
      const state = states.get(h.name);
      if (!state) continue;
      const current = await dashboard.host(h.name);
      // A host the dashboard does not know (its 500) is not the dashboard's to mark.
      if (!current || current.working === (state === 'available')) continue;
      await dashboard.markHost(h.name, state === 'available');
      log.info(`host ${h.name} is ${state} in laas: marked ${state === 'available' ? 'working' : 'not working'} on the dashboard`);
    }
  }

  /** Running bookings (setup tasks done) near laas's lease bound: an alert, never a release. */
  async function leaseAlerts(): Promise<void> {
    for (const raw of await dashboard.doneJobs()) {
      const job = readJob(raw);
      if (!job.tasks.some((t) => t.kind === 'hardware' && t.power === 'on')) continue;
      const id = bookingIdOf(job.id);
      const b = await deps.booking(id);
      if (!b || b.state !== 'active' || !b.end || alerted.has(id)) continue;
      const hoursLeft = (Date.parse(b.end) - now().getTime()) / 3_600_000;
      if (hoursLeft > deps.alertHours) continue;
      alerted.add(id);
      log.warn(`ALERT: booking ${id} (dashboard job ${job.id}) reaches laas's safety bound at ${b.end} and the dashboard has not ended it; extend it or ask the dashboard's admins`);
    }
  }

  let imagesPushed = false;
  /** Every lab image under its slug id; two names with the same slug: the first keeps it, the other is not offered. */
  async function pushImages(): Promise<void> {
    const taken = new Map<string, string>();
    for (const image of deps.lab.images) {
      const id = dashboardImageId(image.name);
      const first = taken.get(id);
      if (first) {
        if (!imagesPushed) log.warn(`image ${image.name} is not offered on the dashboard: its id there would be ${id}, which ${first} has`);
        continue;
      }
      taken.set(id, image.name);
      const fields: DashboardImageFields = {
        name: image.name,
        architecture: deps.imageArchitecture ?? 'x86_64',
        description: `${image.name} (lab ${deps.lab.name}, ${image.osFamily} network files${image.flavors ? `, for ${image.flavors.join(', ')}` : ''})`,
        public: true,
        available: true,
        obsolete: false,
      };
      await dashboard.pushImage(id, fields);
    }
    if (!imagesPushed) log.info(`pushed ${taken.size} images to the dashboard: ${[...taken.keys()].join(', ')}`);
    imagesPushed = true;
  }

  return {
    /** Once, before the first jobs are read; later rounds of `run` push them again. */
    async pushImagesOnce(): Promise<void> {
      if (!imagesPushed) await pushImages();
    },
    async run(): Promise<void> {
      await pushImages();
      await hostHealth();
      await leaseAlerts();
    },
    /** Posts the count once for each new analytics task (they stay at 0 for ever: they cannot take a status). */
    async answerActiveUsers(taskIds: string[]): Promise<void> {
      const fresh = taskIds.filter((t) => !answered.has(t));
      if (!fresh.length) return;
      const count = (await deps.laas.activeOwners()).size;
      await dashboard.activeUsers(count);
      for (const t of fresh) answered.add(t);
      log.info(`active users: ${count} (analytics task ${fresh.join(', ')})`);
    },
  };
}
