import { ApplicationFailure, CancellationScope, isCancellation } from '@temporalio/workflow';
import type { Leftover, UndoName } from './types';

/** One registered undo: a name for the record, and the idempotent work. */
export interface Compensation {
  step: UndoName;
  undo: () => Promise<void>;
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
 */
export async function unwind(
  host: string | null,
  undos: Compensation[],
  report: (step: UndoName, phase: 'undoing' | 'undone' | 'failed', error?: { type: string; message: string }) => Promise<void>,
): Promise<Leftover[]> {
  return CancellationScope.nonCancellable(async () => {
    const leftovers: Leftover[] = [];
    while (undos.length) {
      const c = undos.pop()!;
      await report(c.step, 'undoing');
      try {
        await c.undo();
        await report(c.step, 'undone');
      } catch (err) {
        const error = failureOf(err);
        leftovers.push({ host, step: c.step, error });
        await report(c.step, 'failed', error);
      }
    }
    return leftovers;
  });
}

export { isCancellation };
