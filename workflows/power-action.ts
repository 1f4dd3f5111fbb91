import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureOf } from './saga';

/** One HIL power call on a node's BMC: what the workflow carries (never the BMC's credentials). */
export type PowerCall =
  | { node: string; action: 'on' | 'off' | 'cycle' | 'status' }
  | { node: string; action: 'bootdev'; device: 'pxe' | 'disk' };

/** What the BMC answered: the power state for `status`, null for the others. */
export interface PowerOutcome {
  power: 'on' | 'off' | null;
}

/**
 * Longest a power call may take from start to answer, waiting for a worker included. HIL's power
 * calls are synchronous, so the API waits this long at most before answering OBMError.
 */
export const POWER_CALL_TIMEOUT = '3m';

// A BMC answers in seconds (ipmitool gives up after 20 s); one that does not becomes an error
// within two minutes. Bad credentials or input do not change by retrying.
const bounds = { startToCloseTimeout: '1m', heartbeatTimeout: '30s', scheduleToCloseTimeout: '2m' } as const;
const nonRetryableErrorTypes = ['InvalidInput', 'BmcAuthFailed'];
const onBmc = wf.proxyActivities<Activities>({
  ...bounds,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 3, nonRetryableErrorTypes },
});
// A cycle that may have happened is not sent again: a second cycle would reboot the node twice.
const once = wf.proxyActivities<Activities>({ ...bounds, retry: { maximumAttempts: 1 } });

/**
 * One HIL power call (power_on, power_off, power_cycle, power_status, boot_device) on the lab's
 * worker, the only process that reaches the lab's BMCs. Fails with the BMC's error type and
 * message, which the API answers as HIL's OBMError.
 */
export async function powerActionWorkflow(call: PowerCall): Promise<PowerOutcome> {
  try {
    return await (call.action === 'cycle' ? once : onBmc).runPowerCall(call);
  } catch (err) {
    if (wf.isCancellation(err)) throw err;
    const cause = err instanceof wf.ActivityFailure ? err.cause : err;
    if (cause instanceof wf.TimeoutFailure) {
      throw wf.ApplicationFailure.create({
        type: 'PowerCallTimedOut',
        message: `the power call on ${call.node} did not finish in time (${(cause.timeoutType ?? 'unknown').toLowerCase().replaceAll('_', '-')} timeout): its BMC or the lab's worker did not answer`,
        nonRetryable: true,
      });
    }
    const { type, message } = failureOf(err);
    throw wf.ApplicationFailure.create({ type, message, nonRetryable: true });
  }
}
