import { ActivityCancellationType } from '@temporalio/common';
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

// The bounds and retry policies of a booking's activities, in one place so that a test can check
// them against what they must survive (a database outage of minutes, workers that die); the
// workflows (booking.ts, host.ts) pass them to proxyActivities unchanged.

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;
/** Refusals of the allocation: they do not change by retrying. */
export const refusals = ['InvalidInput', 'UnknownHost', 'HostUnavailable', 'NoFreeHost', 'NoFreeVlan', 'VlanUnavailable', 'LeaseTooLong', 'BookingReleased', 'UnknownBooking'];
const hostRefusals = ['InvalidInput', 'BmcAuthFailed', 'SwitchAuthFailed', 'HostAuthFailed', 'FogAuthFailed', 'FogHostNotFound', 'HostKeyMismatch'];

// Bookkeeping is PostgreSQL's: it keeps trying through an outage of many minutes (the bound, not a
// count of attempts, decides), so a booking waits for the database instead of failing.
export const bookkeepingOptions: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '30m',
  retry: { ...retry, nonRetryableErrorTypes: refusals },
};
// Bookkeeping writes to PostgreSQL take milliseconds: as local activities they cost the history one
// marker each instead of an activity's three events and the workflow task that follows. They too
// wait out a database outage under a time bound.
export const localBookkeepingOptions: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '30m',
  retry: { ...retry, nonRetryableErrorTypes: refusals },
};
// Attempts also pay for workers that died (a heartbeat timeout each): more of them, under a time bound.
export const bookingStepOptions: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '30m',
  retry: { ...retry, maximumAttempts: 10, nonRetryableErrorTypes: ['InvalidInput', 'DirectoryAuthFailed', 'AccountTaken'] },
};
export const bookingUndoOptions: ActivityOptions = {
  startToCloseTimeout: '10m',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '45m',
  retry: { ...retry, maximumAttempts: 12 },
};

// Each host step has the bounds of its device: seconds for a BMC or a switch, an hour for imaging.
// Every step and undo heartbeats every few seconds (activities/heartbeat.ts), so a worker that
// died is noticed after a heartbeat timeout, not after the whole start-to-close bound. Attempts
// are counted generously under a schedule-to-close bound: a worker that died costs its step an
// attempt, which is no fault of the host. Non-retryable types stay so.
export const hostPowerOptions: ActivityOptions = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '20m',
  retry: { ...retry, maximumAttempts: 10, nonRetryableErrorTypes: hostRefusals },
};
// Imaging resumes the deploy it finds running (activities/imaging.ts), so a restart costs no
// deploy; its own failures have a budget of two (activities/failure-budget.ts), its attempts five.
export const hostImagingOptions: ActivityOptions = {
  startToCloseTimeout: '90m',
  heartbeatTimeout: '1m',
  scheduleToCloseTimeout: '4h',
  retry: { ...retry, maximumAttempts: 5, nonRetryableErrorTypes: hostRefusals },
};
export const hostSwitchOptions: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '30m',
  retry: { ...retry, maximumAttempts: 10, nonRetryableErrorTypes: hostRefusals },
};
export const hostConfigOptions: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '1m',
  scheduleToCloseTimeout: '2h',
  retry: { ...retry, maximumAttempts: 6, nonRetryableErrorTypes: hostRefusals },
};
// Undos keep trying longer: what they fail to remove becomes an operator's chore.
export const hostUndoOptions: ActivityOptions = {
  startToCloseTimeout: '10m',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '45m',
  retry: { ...retry, maximumAttempts: 12, nonRetryableErrorTypes: hostRefusals },
};

/**
 * The same options for a step whose undo must not overtake it: a cancelled step counts as
 * cancelled only once its activity has stopped (its heartbeat carried the cancellation and it
 * gave up, it finished, or it timed out), so the undo that follows is the last to touch the device.
 * With the SDK's default (TRY_CANCEL) the workflow moved on at once, while the step's device call
 * could still land after its undo.
 */
export function waitingForCancellation(options: ActivityOptions): ActivityOptions {
  return { ...options, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };
}
