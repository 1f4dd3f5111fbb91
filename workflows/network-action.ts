import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureOf } from './saga';

// A switch that does not answer must turn into ERROR within minutes, never a PENDING forever.
const onSwitch = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '20m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10, nonRetryableErrorTypes: ['InvalidInput', 'SwitchAuthFailed', 'SwitchRejected'] },
});
// Recording the outcome keeps trying: the database coming back is only a matter of time.
const record = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * One HIL networking action (connect_network, detach_network, port revert): the workflow id is
 * the status_id HIL clients poll. PENDING while this runs; DONE when the port carries what was
 * asked; ERROR with the switch's message when the switch refused or never answered.
 */
export async function networkActionWorkflow(id: string): Promise<{ status: 'DONE' | 'ERROR'; error?: string }> {
  try {
    await onSwitch.applyNetworkAction({ id });
  } catch (err) {
    const error = failureOf(err).message;
    await record.finishNetworkAction({ id, error });
    return { status: 'ERROR', error };
  }
  await record.finishNetworkAction({ id });
  return { status: 'DONE' };
}
