import { ApplicationFailure, CancellationScope, isCancellation } from '@temporalio/workflow';
import type { Leftover, UndoName } from './types';

/** One registered undo: a name for the record, and the idempotent work. */
export interface Compensation {
  step: UndoName;
  undo: () => Promise<void>;
  /**
   * Undos registered one after another with the same group run at the same time (they do not
   * depend on each other); the groups still run in reverse order of registration.
   */
  group?: string;
}

/** An undo that failed for good: what to tell operators, and what to run again. */
export interface Unfinished {
  compensation: Compensation;
  leftover: Leftover;
}

export type UndoReport = (step: UndoName, phase: 'undoing' | 'undone' | 'failed', error?: { type: string; message: string }) => Promise<void>;

/**
 * Failures caused by what the booking asked for, not by the host: retrying the host, replacing
 * it or holding it for an operator cannot help, and the host is not to blame.
 */
const INPUT_ERRORS = ['InvalidInput', 'BadArgumentError', 'AccountTaken'];

export function isInputError(type: string): boolean {
  return INPUT_ERRORS.includes(type);
}

export function failureOf(err: unknown): { type: string; message: string } {
  // ChildWorkflowFailure and ActivityFailure wrap the interesting failure in `cause`.
  let e: unknown = err;
  while (e instanceof Error && !(e instanceof ApplicationFailure) && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure) return { type: e.type ?? 'Error', message: e.message };
  if (e instanceof Error) return { type: e.name, message: e.message };
  return { type: 'Error', message: String(e) };
}

/**
 * Run the undos in reverse order of registration, each even if an earlier one failed, in a scope
 * that a cancellation cannot interrupt. Undos that fail for good are returned, never swallowed.
 * The list is emptied: what is returned is all that is left to do.
 */
export async function unwind(host: string | null, undos: Compensation[], report: UndoReport): Promise<Unfinished[]> {
  return CancellationScope.nonCancellable(async () => {
    const unfinished: Unfinished[] = [];
    while (undos.length) {
      // The last registered undo, with those registered just before it in the same group.
      const batch = [undos.pop()!];
      while (batch[0]!.group !== undefined && undos.at(-1)?.group === batch[0]!.group) batch.push(undos.pop()!);
      const failed = await Promise.all(batch.map((c) => undoOne(c, report)));
      // Kept in the order of registration, as the undos run again in reverse.
      batch.forEach((c, i) => {
        const error = failed[i];
        if (error) unfinished.unshift({ compensation: c, leftover: { host, step: c.step, error } });
      });
    }
    return unfinished;
  });
}

/** One undo with its reports; its failure, if it failed for good. */
async function undoOne(c: Compensation, report: UndoReport): Promise<{ type: string; message: string } | null> {
  await report(c.step, 'undoing');
  try {
    await c.undo();
    await report(c.step, 'undone');
    return null;
  } catch (err) {
    const error = failureOf(err);
    await report(c.step, 'failed', error);
    return error;
  }
}

export { isCancellation };
