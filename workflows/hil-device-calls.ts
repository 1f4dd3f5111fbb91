import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureOf } from './saga';

/** One of HIL's headnode calls on the lab's hypervisor (the records stay the API's, in PostgreSQL). */
export type HeadnodeCall =
  | { action: 'create'; name: string; baseImage: string; vcpus: number; memoryMiB: number; networks: { name: string; vlan: number }[] }
  | { action: 'get' | 'stop' | 'destroy'; name: string }
  | { action: 'images' };

/** `get`: the VM's VNC port (null when it has none or does not exist); `images`: the base images. */
export interface HeadnodeOutcome {
  vncport?: number | null;
  images?: string[];
}

/** HIL's enable_obm / disable_obm on an obmd node: a node token fetched from obmd, or invalidated there. */
export interface ObmCall {
  node: string;
  enabled: boolean;
}

/** Longest a headnode or OBM call may take from start to answer, waiting for a worker included. */
export const DEVICE_CALL_TIMEOUT = '5m';

const options = { startToCloseTimeout: '3m', heartbeatTimeout: '30s', scheduleToCloseTimeout: '4m' } as const;
const nonRetryableErrorTypes = ['InvalidInput', 'BmcAuthFailed', 'HeadnodeRejected'];
const onDevice = wf.proxyActivities<Activities>({
  ...options,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 3, nonRetryableErrorTypes },
});

/** The activity's failure as the workflow's own, typed as the device answered, never retried by the client. */
function asOutcome(what: string, err: unknown): never {
  if (wf.isCancellation(err)) throw err;
  const cause = err instanceof wf.ActivityFailure ? err.cause : err;
  if (cause instanceof wf.TimeoutFailure) {
    throw wf.ApplicationFailure.create({ type: 'DeviceCallTimedOut', message: `${what} did not finish in time: the device or the lab's worker did not answer`, nonRetryable: true });
  }
  const { type, message } = failureOf(err);
  throw wf.ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** One of HIL's headnode calls on the lab's worker, the only process that reaches the hypervisor. */
export async function hilHeadnodeWorkflow(call: HeadnodeCall): Promise<HeadnodeOutcome> {
  try {
    return await onDevice.runHeadnodeCall(call);
  } catch (err) {
    return asOutcome(`headnode ${call.action}${'name' in call ? ` of ${call.name}` : ''}`, err);
  }
}

/** Enables or disables an obmd node's OBM on the lab's worker; the token never leaves the worker and the credential store. */
export async function obmTokenWorkflow(call: ObmCall): Promise<void> {
  try {
    await onDevice.setObmToken(call);
  } catch (err) {
    asOutcome(`${call.enabled ? 'enabling' : 'disabling'} the OBM of ${call.node}`, err);
  }
}
