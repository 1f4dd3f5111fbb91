import type { Client } from '@temporalio/client';
import { networkActionWorkflow } from '../workflows/network-action';

/**
 * Start the workflow that carries a recorded HIL networking action out. Its id is the action's
 * status_id, so starting it twice (API retry, worker sweep) joins the same run.
 */
export async function startNetworkAction(temporal: Client, taskQueue: string, statusId: string): Promise<void> {
  await temporal.workflow.start(networkActionWorkflow, {
    workflowId: statusId,
    taskQueue,
    args: [statusId],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `HIL networking action ${statusId}`,
  }).catch((err: unknown) => {
    // Already ran to completion (DONE or ERROR): nothing to start.
    if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') return;
    throw err;
  });
}
