import * as wf from '@temporalio/workflow';
import { HostNamesKey, hostWorkflowId, teardownSignal } from './definitions';
import { hostWorkflow } from './host';
import { type BookingRun, type Child } from './booking-run';
import { planHost } from './plan';
import { failureOf, isInputError } from './saga';
import { HOST_STEPS, type Allocation, type HostUndone } from './types';

/** How many times one requested host may be replaced by another of its flavor. */
const MAX_SUBSTITUTIONS = 2;

export interface FailedChild {
  slot: number;
  host: string;
  error: { type: string; message: string };
}

/**
 * The booking's host children: one per requested host (a slot), started together; a failed one
 * is tried again or replaced by another host of its flavor, or fails the booking.
 */
export function hostChildren(run: BookingRun, allocation: Allocation) {
  const { input, status } = run;
  // One slot per requested host; a flavor slot may change host when its host keeps failing.
  const slots = allocation.hosts.map((host) => ({ host, failures: 0, substitutions: 0 }));
  const failedChildren: FailedChild[] = [];

  async function startHost(slot: number, host: string): Promise<void> {
    const handle = await wf.startChild(hostWorkflow, {
      workflowId: hostWorkflowId(input.id, host),
      args: [planHost(input, input.hosts[slot]!, host, allocation, wf.workflowInfo().workflowId)],
      staticSummary: `${host} for booking ${input.id}`,
    });
    // A host tried again counts its reports from one again.
    run.lastReport.delete(host);
    const child: Child = { host, handle, reports: 0 };
    run.children.push(child);
    handle.result().then(
      (result) => undoneByEnd(run, child, result),
      (err: unknown) => {
        undoneByEnd(run, child, undoneDetails(err));
        // A child ended without reporting its undos (terminated by hand): say so.
        if (!child.undone) {
          child.undone = [{ host, step: 'hosts', error: { type: 'HostWorkflowEnded', message: `host workflow of ${host} ended before undoing its steps` } }];
          run.refreshLeftovers();
        }
        failedChildren.push({ slot, host, error: failureOf(err) });
      },
    );
  }

  async function startAll(): Promise<void> {
    if (run.patched('host-children-started-together')) {
      // One workflow task starts every host, instead of one task per host.
      await Promise.all(allocation.hosts.map((host, i) => startHost(i, host)));
    } else {
      for (const [i, host] of allocation.hosts.entries()) await startHost(i, host);
    }
  }

  /**
   * A failed host of a flavor booking (compensate policy) is tried once more; failing again it
   * leaves service and another free host of the flavor takes its place. Anything else fails the booking.
   */
  async function hostFailed(f: FailedChild): Promise<void> {
    const slot = slots[f.slot]!;
    const flavor = input.hosts[f.slot]!.flavor;
    slot.failures += 1;
    // A failure the request caused fails the booking at once: no other host would fare better.
    const userCaused = run.patched('i14-input-errors-fail-booking') && isInputError(f.error.type);
    if (userCaused || !flavor || (input.failurePolicy ?? 'compensate') !== 'compensate' || slot.substitutions >= MAX_SUBSTITUTIONS) {
      run.failedHosts.set(f.host, f.error);
      return;
    }
    if (slot.failures >= 2) {
      const keep = slots.filter((s) => s !== slot).map((s) => s.host);
      let next: string;
      try {
        next = (await run.ledger.substituteHost({ bookingId: input.id, failed: f.host, keep, flavor })).host;
      } catch {
        run.failedHosts.set(f.host, f.error);
        return;
      }
      await run.event('host:substituted', { failed: f.host, host: next, error: f.error });
      slot.host = next;
      slot.failures = 0;
      slot.substitutions += 1;
      wf.upsertSearchAttributes([{ key: HostNamesKey, value: slots.map((s) => s.host) }]);
    } else {
      await run.event('host:retried', { host: f.host, error: f.error });
    }
    status.hosts[f.slot] = {
      name: slot.host,
      hostname: input.hosts[f.slot]!.hostname ?? slot.host,
      steps: HOST_STEPS.map((step) => ({ step, status: 'pending' })),
    };
    await startHost(f.slot, slot.host);
  }

  /** Every slot's host has told it is ready. */
  const allReady = () => slots.every((s) => run.ready.has(s.host));

  return { failedChildren, startAll, hostFailed, allReady };
}

/**
 * A host child whose undos left nothing says so by its end (patch i17-host-fewer-events): its
 * result, or its failure's details. Older children signalled it before ending; their end changes nothing.
 */
function undoneByEnd(run: BookingRun, child: Child, end: Partial<HostUndone> | undefined): void {
  if (!end?.undoneInResult) return;
  if (end.steps) run.takeSnapshot(child.host, { steps: end.steps });
  child.undone = [];
  child.reports += 1;
  run.refreshLeftovers();
}

/** The details a failed host child ended with, if it said it was undone. */
function undoneDetails(err: unknown): Partial<HostUndone> | undefined {
  let e: unknown = err;
  while (e instanceof Error && !(e instanceof wf.ApplicationFailure) && e.cause) e = e.cause;
  return e instanceof wf.ApplicationFailure ? (e.details?.[0] as Partial<HostUndone> | undefined) : undefined;
}

/** Undo every host: signal the children's teardown, then wait until each has reported its undos. */
export async function teardownHosts(run: BookingRun): Promise<void> {
  const { children } = run;
  // Already finished children reject the signal: nothing to tear down there.
  const signal = (c: Child) => c.handle.signal(teardownSignal).catch(() => undefined);
  if (run.patched('teardown-signals-together')) {
    await Promise.all(children.filter((c) => !c.undone).map(signal));
  } else {
    for (const c of children) if (!c.undone) await signal(c);
  }
  await wf.condition(() => children.every((c) => c.undone !== undefined));
}
