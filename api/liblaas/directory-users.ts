import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { DirectoryUserAnswer, DirectoryUserCall } from '../../activities/directory-users';
import type { DirectoryUser } from '../../drivers/directory/directory';
import { DIRECTORY_CALL_TIMEOUT, directoryUserWorkflow } from '../../workflows/directory-user';
import { fail, type LiblaasContext } from './context';

/**
 * One call on the lab directory's users, as a short workflow on the lab's task queue (the worker
 * holds the directory driver; the API never talks to LDAP). A failure is liblaas's plain-text 500.
 */
async function directoryCall(ctx: Pick<LiblaasContext, 'temporal' | 'taskQueue'>, call: DirectoryUserCall): Promise<DirectoryUserAnswer> {
  const handle = await ctx.temporal.workflow.start(directoryUserWorkflow, {
    workflowId: `directory-user-${randomUUID()}`,
    taskQueue: ctx.taskQueue,
    args: [call],
    workflowExecutionTimeout: DIRECTORY_CALL_TIMEOUT,
    staticSummary: `liblaas: directory user ${call.op}`,
  });
  try {
    return await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause instanceof ApplicationFailure ? err.cause.message : `the lab's worker did not answer within ${DIRECTORY_CALL_TIMEOUT}`;
    throw fail(`the lab directory: ${cause}`);
  }
}

/** The users of these names that exist, any order. */
export async function directoryUsers(ctx: Pick<LiblaasContext, 'temporal' | 'taskQueue'>, uids: string[]): Promise<DirectoryUser[]> {
  if (!uids.length) return [];
  return (await directoryCall(ctx, { op: 'get', uids })).users ?? [];
}

export async function createDirectoryUser(ctx: Pick<LiblaasContext, 'temporal' | 'taskQueue'>, user: Omit<DirectoryUser, 'sshKeys'>): Promise<boolean> {
  return (await directoryCall(ctx, { op: 'create', user })).done === true;
}

export async function setDirectoryUserKeys(ctx: Pick<LiblaasContext, 'temporal' | 'taskQueue'>, uid: string, keys: string[]): Promise<boolean> {
  return (await directoryCall(ctx, { op: 'setKeys', uid, keys })).done === true;
}

export async function setDirectoryUserCompany(ctx: Pick<LiblaasContext, 'temporal' | 'taskQueue'>, uid: string, ou: string): Promise<boolean> {
  return (await directoryCall(ctx, { op: 'setCompany', uid, ou })).done === true;
}
