import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { DirectoryUser } from '../../drivers/directory/directory';
import { addAccessUpdate, bookingWorkflowId } from '../../workflows/definitions';
import { LiblaasJsonError, type LiblaasContext } from './context';

/**
 * Collaborators added to a running booking get what its users got at provisioning: their SSH keys
 * on every host and a VPN account, through the booking's addAccess Update (undone with the booking).
 * liblaas itself gives them VPN only (§2.15); laas does both.
 */
export async function grantCollaboratorAccess(ctx: LiblaasContext, bookingId: string, users: DirectoryUser[]): Promise<void> {
  try {
    await ctx.temporal.workflow
      .getHandle(bookingWorkflowId(bookingId))
      .executeUpdate(addAccessUpdate, { args: [{ users: users.map((u) => u.uid), sshKeys: [...new Set(users.flatMap((u) => u.sshKeys))] }] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new LiblaasJsonError(400, `Aggregate has not finished provisioning. (${err.cause?.message ?? err.message})`);
    throw new LiblaasJsonError(500, 'Error dispatching add user task.');
  }
}
