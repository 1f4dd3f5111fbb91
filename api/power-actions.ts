import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { DeviceError } from '../drivers/errors';
import { POWER_CALL_TIMEOUT, powerActionWorkflow, type PowerCall, type PowerOutcome } from '../workflows/power-action';

/** A power call that the lab's worker could not carry out; HIL answers it as OBMError. */
export class PowerCallFailed extends DeviceError {
  constructor(type: string, message: string, node: string) {
    super(type, message, false, { node });
  }
}

/** One workflow per call: two calls on one node never join each other's run. */
export function powerActionWorkflowId(node: string): string {
  return `power-${node}-${randomUUID()}`;
}

/** Start one HIL power call as a short workflow on the lab's task queue. */
export async function startPowerCall(temporal: Client, taskQueue: string, call: PowerCall): Promise<WorkflowHandleWithFirstExecutionRunId<typeof powerActionWorkflow>> {
  return temporal.workflow.start(powerActionWorkflow, {
    workflowId: powerActionWorkflowId(call.node),
    taskQueue,
    args: [call],
    workflowExecutionTimeout: POWER_CALL_TIMEOUT,
    staticSummary: `HIL power call ${call.action} on ${call.node}`,
  });
}

/**
 * Run one HIL power call on the lab's worker and wait for its outcome. The workflow's own timeout
 * bounds the wait, also when no worker of the lab is running.
 */
export async function runPowerCall(temporal: Client, taskQueue: string, call: PowerCall): Promise<PowerOutcome> {
  const handle = await startPowerCall(temporal, taskQueue, call);
  try {
    return await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    if (err.cause instanceof ApplicationFailure) throw new PowerCallFailed(err.cause.type ?? 'BmcCommandFailed', err.cause.message, call.node);
    if (err.cause instanceof TimeoutFailure) {
      throw new PowerCallFailed('PowerCallTimedOut', `the lab's worker did not carry out ${call.action} on ${call.node} within ${POWER_CALL_TIMEOUT}`, call.node);
    }
    throw new PowerCallFailed('PowerCallFailed', `power call ${call.action} on ${call.node} failed: ${err.cause?.message ?? err.message}`, call.node);
  }
}
