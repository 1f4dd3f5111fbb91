import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { holdDecisionSignal, hostLeftoversSignal, hostProgressSignal, hostReadySignal, hostReimagedSignal, hostStatusQuery, reimageSignal, retryCleanupSignal, teardownSignal } from './definitions';
import { hostConfigOptions, hostImagingOptions, hostPowerOptions, hostSwitchOptions, hostUndoOptions, waitingForCancellation } from './activity-options';
import { failureOf, isCancellation, isInputError, unwind, type Compensation } from './saga';
import { HOST_STEPS, REIMAGE_STEPS, type HoldDecision, type HostUndone, type HostInput, type HostStatus, type HostStep, type StepRecord } from './types';

// The bounds and retry policies of each step and undo: workflows/activity-options.ts.
const power = wf.proxyActivities<Activities>(hostPowerOptions);
const imaging = wf.proxyActivities<Activities>(hostImagingOptions);
const switching = wf.proxyActivities<Activities>(hostSwitchOptions);
const hostConfig = wf.proxyActivities<Activities>(hostConfigOptions);
const undo = wf.proxyActivities<Activities>(hostUndoOptions);
/** The steps of a host under patch i17-steps-wait-cancel: a teardown's undo waits for the step it undoes to stop. */
const waiting = {
  power: wf.proxyActivities<Activities>(waitingForCancellation(hostPowerOptions)),
  imaging: wf.proxyActivities<Activities>(waitingForCancellation(hostImagingOptions)),
  switching: wf.proxyActivities<Activities>(waitingForCancellation(hostSwitchOptions)),
  hostConfig: wf.proxyActivities<Activities>(waitingForCancellation(hostConfigOptions)),
};

/**
 * Which undos may run at the same time: first those that need the host's OS up and reachable
 * (its keys, its network files), then the devices around it: the switch ports, the imaging
 * server's task and the power (the imaging step, which power-cycles, has ended by then).
 */
const UNDO_GROUPS: Record<HostStep, string> = { access: 'host-os', network: 'host-os', switch: 'devices', imaging: 'devices', power: 'devices' };

/**
 * One host of a booking: its five steps in order, each with its undo registered first; then it
 * holds the host until the booking tears it down, and undoes every step in reverse. Undos that
 * fail for good are reported and kept until the booking asks to run them again.
 */
export async function hostWorkflow(input: HostInput): Promise<HostStatus & Partial<HostUndone>> {
  const status: HostStatus = {
    name: input.host,
    hostname: input.hostname,
    steps: HOST_STEPS.map((step) => ({ step, status: 'pending' })),
  };
  const parent = wf.getExternalWorkflowHandle(input.parentWorkflowId);
  let teardown = false;
  let decision: HoldDecision | null = null;
  let cleanupRequested = false;
  const provisioning = new wf.CancellationScope();
  /** Re-images asked for and not yet begun, oldest first; the one running has its own scope. */
  const reimages: { image: string; reimage: number }[] = [];
  let reimaging: wf.CancellationScope | null = null;
  /** The image the imaging step deploys; the network files follow it once it is on the disk. */
  let imageToDeploy = input.image;

  wf.setHandler(hostStatusQuery, () => status);
  wf.setHandler(teardownSignal, () => {
    teardown = true;
    provisioning.cancel();
    reimaging?.cancel();
  });
  wf.setHandler(reimageSignal, (request) => {
    reimages.push(request);
  });
  wf.setHandler(holdDecisionSignal, ({ action }) => {
    decision = action;
  });
  wf.setHandler(retryCleanupSignal, () => {
    cleanupRequested = true;
  });

  // Fewer events a host: the undos that do not depend on each other run together, a host whose
  // undos left nothing tells its booking so by finishing, not by a signal before it, and the
  // earlier patches are implied (each asked costs a marker and a search attribute update).
  // Asked first; hosts from before it ask the earlier ones as they did, in the same places.
  // A step cancelled by a teardown is undone only once it has stopped, so its device call cannot
  // land after its undo. Asked first, it implies i17-host-fewer-events (and what that implies).
  const stepsAwaitCancel = wf.patched('i17-steps-wait-cancel');
  const fewerEvents = stepsAwaitCancel || wf.patched('i17-host-fewer-events');
  const earlier = (id: string) => fewerEvents || wf.patched(id);
  const act = stepsAwaitCancel ? waiting : { power, imaging, switching, hostConfig };
  const inputErrorsNotHeld = earlier('i14-input-errors-not-held');
  const holdWithinLease = earlier('i14-hold-capped-by-lease');
  /** How long a failed step waits for an operator: the hold timeout, but never past the lease. */
  const holdFor = () => (holdWithinLease && input.leaseEnd ? Math.min(input.holdTimeoutMs, Date.parse(input.leaseEnd) - Date.now()) : input.holdTimeoutMs);
  const record = (step: HostStep): StepRecord => status.steps.find((s) => s.step === step)!;
  // Reports are sent without waiting for their delivery: a step no longer pays two round trips to
  // the server for them. Older bookings replay the awaited way.
  const reportsInFlight = earlier('host-progress-not-awaited');
  let seq = 0;
  async function tellParent(step: HostStep): Promise<void> {
    const progress = { host: input.host, record: { ...record(step) }, held: status.held ?? null, ...(reportsInFlight ? { seq: ++seq } : {}) };
    // The booking may be gone (terminated by an operator); the host's own query still tells.
    const sent = parent.signal(hostProgressSignal, progress).catch(() => undefined);
    if (!reportsInFlight) await sent;
  }
  const snapshot = () => (reportsInFlight ? { steps: status.steps.map((s) => ({ ...s })), seq: ++seq } : {});
  // Each step's activity records its own progress in the read model (activities/step-recorder.ts):
  // the booking hears only that the host is ready, that it is undone, and when it is held or no
  // longer held. Older bookings replay with a report per step change.
  const stepsInReadModel = earlier('i17-steps-in-read-model');
  let heldTold: string | undefined;
  async function report(step: HostStep, change: Partial<StepRecord>): Promise<void> {
    Object.assign(record(step), change);
    const held = JSON.stringify(status.held ?? null);
    if (stepsInReadModel && held === (heldTold ?? 'null')) return;
    heldTold = held;
    await tellParent(step);
  }

  const nicNames = input.nics.map((n) => n.nic);
  const networkInput = { host: input.host, image: input.image, hostname: input.hostname, nics: input.nics, publicNetwork: input.publicNetwork };
  const steps: Record<HostStep, { run: () => Promise<{ attempt: number }>; undo: () => Promise<void> }> = {
    power: { run: () => act.power.preparePower({ host: input.host }), undo: () => undo.powerOffHost({ host: input.host }) },
    imaging: { run: () => act.imaging.imageHost({ host: input.host, image: imageToDeploy }), undo: () => undo.cancelImaging({ host: input.host }) },
    switch: {
      run: () => act.switching.configureSwitchPorts({ host: input.host, nics: input.nics }),
      undo: () => undo.resetSwitchPorts({ host: input.host, nics: nicNames }),
    },
    network: { run: () => act.hostConfig.writeNetworkFiles(networkInput), undo: () => undo.removeNetworkFiles(networkInput) },
    access: {
      run: () => act.hostConfig.installSshKeys({ bookingId: input.bookingId, host: input.host, keys: input.sshKeys }),
      undo: () => undo.removeSshKeys({ bookingId: input.bookingId, host: input.host }),
    },
  };

  /** Run one step; under the hold policy a failure waits for an operator's retry or abort. */
  async function runStep(step: HostStep): Promise<void> {
    for (;;) {
      await report(step, { status: 'running', startedAt: new Date().toISOString(), error: undefined });
      try {
        const done = await steps[step].run();
        await report(step, { status: 'done', finishedAt: new Date().toISOString(), attempt: done.attempt });
        return;
      } catch (err) {
        if (isCancellation(err) || input.failurePolicy !== 'hold') throw err;
        // What the user sent is wrong: no operator can fix that, so it is not held for one.
        if (inputErrorsNotHeld && isInputError(failureOf(err).type)) throw err;
        const holdMs = holdFor();
        if (holdMs <= 0) throw err;
        const until = new Date(Date.now() + holdMs).toISOString();
        status.held = { step, until };
        decision = null;
        await report(step, { status: 'failed', finishedAt: new Date().toISOString(), error: failureOf(err) });
        const decided = await wf.condition(() => decision !== null, holdMs);
        status.held = undefined;
        await report(step, {});
        if (!decided || decision === 'abort') throw err;
      }
    }
  }

  const undos: Compensation[] = [];
  let failure: { type: string; message: string } | null = null;
  let current: HostStep | null = null;
  try {
    await provisioning.run(async () => {
      for (const step of HOST_STEPS) {
        current = step;
        // Registered before the step runs: a step that timed out may still have happened.
        undos.push({ step, undo: steps[step].undo, ...(fewerEvents ? { group: UNDO_GROUPS[step] } : {}) });
        await runStep(step);
      }
      current = null;
    });
    await parent.signal(hostReadySignal, { host: input.host, ...snapshot() });
    if (earlier('host-reimage-i12')) {
      // A re-image runs power, imaging, network and access again with the new image, until teardown.
      for (;;) {
        await wf.condition(() => teardown || reimages.length > 0);
        if (teardown) break;
        const request = reimages.shift()!;
        imageToDeploy = request.image;
        for (const step of REIMAGE_STEPS) Object.assign(record(step), { status: 'pending', startedAt: undefined, finishedAt: undefined, error: undefined });
        reimaging = new wf.CancellationScope();
        await reimaging.run(async () => {
          for (const step of REIMAGE_STEPS) {
            current = step;
            await runStep(step);
            // Until the new image is on the disk, the files an undo removes are the old OS's.
            if (step === 'imaging') networkInput.image = status.image = request.image;
          }
          current = null;
        });
        reimaging = null;
        await parent.signal(hostReimagedSignal, { host: input.host, ...request, ...snapshot() });
      }
    } else {
      await wf.condition(() => teardown);
    }
  } catch (err) {
    // A cancellation is a teardown (from the booking, or an operator cancelling this host).
    if (!isCancellation(err)) failure = failureOf(err);
    status.held = undefined;
    if (current) {
      const step: HostStep = current;
      await wf.CancellationScope.nonCancellable(() =>
        report(step, { status: failure ? 'failed' : 'pending', finishedAt: new Date().toISOString(), ...(failure ? { error: failure } : {}) }),
      );
    }
  }

  const undoReport = (step: string, phase: 'undoing' | 'undone' | 'failed', error?: { type: string; message: string }) =>
    report(step as HostStep, { status: phase, ...(error ? { error } : {}) });
  let unfinished = await unwind(input.host, undos, undoReport);
  const failed = failure ? { type: failure.type, message: `${input.host}: ${failure.message}` } : null;
  // The booking counts a host as undone when it hears this, with or without leftovers; with none
  // left, the host's end tells it (its result, or its failure's details).
  for (;;) {
    const leftovers = unfinished.map((u) => u.leftover);
    if (fewerEvents && !leftovers.length) break;
    const reportFailure = failed !== null && leftovers.length > 0;
    await wf.CancellationScope.nonCancellable(() =>
      parent.signal(hostLeftoversSignal, { host: input.host, leftovers, ...(reportFailure ? { failure: failed } : {}), ...snapshot() }),
    );
    if (!unfinished.length) break;
    await wf.CancellationScope.nonCancellable(() => wf.condition(() => cleanupRequested));
    cleanupRequested = false;
    unfinished = await unwind(input.host, unfinished.map((u) => u.compensation), undoReport);
  }
  const undone: HostUndone | undefined = fewerEvents ? { undoneInResult: true, steps: status.steps.map((s) => ({ ...s })) } : undefined;
  if (failed) throw wf.ApplicationFailure.create({ ...failed, nonRetryable: true, ...(undone ? { details: [undone] } : {}) });
  return { ...status, ...undone };
}
