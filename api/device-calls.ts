import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { DeviceError } from '../drivers/errors';
import { DEVICE_CALL_TIMEOUT, hilHeadnodeWorkflow, obmTokenWorkflow, type HeadnodeCall, type HeadnodeOutcome, type ObmCall } from '../workflows/hil-device-calls';

/** A call that the lab's worker could not carry out, typed as the device answered. */
export class DeviceCallFailed extends DeviceError {
  constructor(type: string, message: string) {
    super(type, message, false);
  }
}

/** Runs one short workflow on the lab's queue and waits for it; its own timeout bounds the wait, also with no worker running. */
async function runOnWorker<A, R>(temporal: Client, taskQueue: string, workflow: (arg: A) => Promise<R>, id: string, arg: A, summary: string): Promise<R> {
  const handle = await temporal.workflow.start(workflow, { workflowId: `${id}-${randomUUID()}`, taskQueue, args: [arg], workflowExecutionTimeout: DEVICE_CALL_TIMEOUT, staticSummary: summary });
  try {
    return await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    if (err.cause instanceof ApplicationFailure) throw new DeviceCallFailed(err.cause.type ?? 'DeviceCallFailed', err.cause.message);
    if (err.cause instanceof TimeoutFailure) throw new DeviceCallFailed('DeviceCallTimedOut', `the lab's worker did not carry out ${summary} within ${DEVICE_CALL_TIMEOUT}`);
    throw new DeviceCallFailed('DeviceCallFailed', `${summary} failed: ${err.cause?.message ?? err.message}`);
  }
}

/** One of HIL's headnode calls on the lab's worker (workflow id `headnode-<name>-<uuid>`). */
export function runHeadnodeCall(temporal: Client, taskQueue: string, call: HeadnodeCall): Promise<HeadnodeOutcome> {
  const name = 'name' in call ? call.name : 'images';
  return runOnWorker(temporal, taskQueue, hilHeadnodeWorkflow, `headnode-${name}`, call, `HIL headnode ${call.action} ${name}`);
}

/** Enables or disables an obmd node's OBM on the lab's worker (workflow id `obm-<node>-<uuid>`). */
export function runObmCall(temporal: Client, taskQueue: string, call: ObmCall): Promise<void> {
  return runOnWorker(temporal, taskQueue, obmTokenWorkflow, `obm-${call.node}`, call, `HIL OBM ${call.enabled ? 'enable' : 'disable'} ${call.node}`);
}
