import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DirectoryUserAnswer, DirectoryUserCall } from '../activities/directory-users';
import { failureOf } from './saga';

/** The API waits this long at most (a worker included) before answering that the directory is not reachable. */
export const DIRECTORY_CALL_TIMEOUT = '1m';

// A directory answers in well under a second; a down one is retried a few times, bad input never.
const directory = wf.proxyActivities<Activities>({
  startToCloseTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidInput', 'DirectoryAuthFailed', 'DirectoryRejected'] },
});

/**
 * One call on the lab directory's standing users (get, create, SSH keys, company), run on the lab's
 * worker: the API never reaches the directory itself. Fails with the driver's error type.
 */
export async function directoryUserWorkflow(call: DirectoryUserCall): Promise<DirectoryUserAnswer> {
  try {
    return await directory.runDirectoryUserCall(call);
  } catch (err) {
    if (wf.isCancellation(err)) throw err;
    const { type, message } = failureOf(err);
    throw wf.ApplicationFailure.create({ type, message, nonRetryable: true });
  }
}
