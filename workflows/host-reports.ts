import * as wf from '@temporalio/workflow';
import { hostLeftoversSignal, hostProgressSignal, hostReadySignal, hostReimagedSignal } from './definitions';
import type { BookingRun } from './booking-run';

/**
 * What the host children tell their booking: a step changed (histories from before the read
 * model), the host is ready, its undos ran (with what is left), a re-image finished.
 */
export function handleHostReports(run: BookingRun): void {
  const { status } = run;
  wf.setHandler(hostProgressSignal, ({ host, record, held, seq }) => {
    if (!run.fresh(host, seq)) return;
    const h = status.hosts.find((x) => x.name === host);
    const s = h?.steps.find((x) => x.step === record.step);
    if (s) Object.assign(s, record);
    if (h && held !== undefined) h.held = held ?? undefined;
  });
  wf.setHandler(hostReadySignal, ({ host, ...snapshot }) => {
    run.takeSnapshot(host, snapshot);
    run.ready.add(host);
  });
  wf.setHandler(hostLeftoversSignal, ({ host, leftovers, failure, ...snapshot }) => {
    // A host tried again has two children: the report is the newest one's.
    const child = run.childOf(host);
    if (!child) return;
    run.takeSnapshot(host, snapshot);
    child.undone = leftovers;
    child.reports += 1;
    // A host that failed and could not undo everything stays open until its cleanup: it fails the
    // booking now (never retried or substituted while its leftovers are there).
    if (failure && !run.failedHosts.has(host)) run.failedHosts.set(host, failure);
    run.refreshLeftovers();
  });
  wf.setHandler(hostReimagedSignal, async ({ host, image, reimage, ...snapshot }) => {
    run.takeSnapshot(host, snapshot);
    const h = status.hosts.find((x) => x.name === host);
    if (h) {
      h.image = image;
      if (h.reimage?.reimage === reimage) h.reimage.state = 'done';
    }
    await run.event('host:reimaged', { host, image, reimage });
  });
}
