import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureOf } from './saga';

/** Which node's console to capture: the workflow carries the name only, never the BMC's credentials. */
export interface ConsoleCapture {
  node: string;
}

/** How a capture's activity ended: the BMC closed the console, or it ran its time and is opened again. */
export type CaptureEnd = { ended: string } | { renew: true };

/** Longest one capture activity runs before it closes the console and the workflow opens it again. */
export const CAPTURE_RUN_MS = 6 * 3_600_000;
/** Renewals before the workflow continues as new, so its history stays short over weeks of capture. */
const RENEWALS_PER_RUN = 50;

const capture = wf.proxyActivities<Activities>({
  startToCloseTimeout: CAPTURE_RUN_MS + 30 * 60_000,
  // A worker that dies is noticed within this; the capture is then opened again on another one.
  heartbeatTimeout: '30s',
  // The console is closed (SOL deactivated, obmd's stream ended) before the workflow ends, so a
  // new capture of the node never finds the old session open.
  cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidInput', 'BmcAuthFailed', 'ObmNotEnabled'] },
});
const record = wf.proxyActivities<Activities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 10 } });

/**
 * A node's serial console captured on the lab's worker, the only process that reaches its BMC,
 * into its bounded log in PostgreSQL (HIL's console API and the booking owners' console read it
 * there). Runs until cancelled (the console is stopped), until the BMC closes it, or until opening
 * it fails for good; the last two are recorded in the log's state with the reason.
 */
export async function consoleCaptureWorkflow(input: ConsoleCapture): Promise<string> {
  for (let renewal = 0; renewal < RENEWALS_PER_RUN; renewal++) {
    let end: CaptureEnd;
    try {
      end = await capture.captureConsole(input);
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      const { message } = failureOf(err);
      await record.consoleEnded({ node: input.node, reason: message });
      return message;
    }
    if ('ended' in end) return end.ended;
  }
  return wf.continueAsNew<typeof consoleCaptureWorkflow>(input);
}
