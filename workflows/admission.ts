import * as wf from '@temporalio/workflow';
import { admitUpdate, type Admission, type Refusal } from './definitions';
import type { Allocation } from './types';

/**
 * The allocator's reason for refusing, with the range it conflicts with when it named one
 * (db/errors.ts puts it in the failure's details).
 */
export function refusalOf(err: unknown): Refusal {
  let e: unknown = err;
  while (e instanceof Error && !(e instanceof wf.ApplicationFailure) && e.cause) e = e.cause;
  if (!(e instanceof wf.ApplicationFailure)) return { type: 'AllocationFailed', message: e instanceof Error ? e.message : String(e) };
  // Dates crossed the activity boundary as JSON: ISO strings.
  const detail = (e.details?.[0] ?? {}) as { conflict?: { start: string; end: string | null } };
  const c = detail.conflict;
  const conflict = c ? { start: c.start, end: c.end ?? null } : undefined;
  return { type: e.type ?? 'AllocationFailed', message: e.message, ...(conflict ? { conflict } : {}) };
}

/**
 * The booking's answer to the API's admission Update (sent with the start, Update-with-Start):
 * the hosts and VLANs once the allocation is made, or the allocator's refusal. The handler waits
 * for the workflow's own allocation, so a booking started without the Update runs the same way.
 */
export function admissionGate(networks: string[]) {
  let outcome: { allocation: Allocation } | { refusal: Refusal } | undefined;
  wf.setHandler(admitUpdate, async (): Promise<Admission> => {
    await wf.condition(() => outcome !== undefined);
    if (outcome && 'refusal' in outcome) {
      const { type, message, conflict } = outcome.refusal;
      throw wf.ApplicationFailure.create({ type, message, nonRetryable: true, details: [{ ...(conflict ? { conflict } : {}) }] });
    }
    const { hosts, vlans } = outcome!.allocation;
    return { hosts, networks: networks.map((name) => ({ name, vlan: vlans[name] ?? null })) };
  });
  return {
    admit(allocation: Allocation): void {
      outcome = { allocation };
    },
    /** The booking ends here: the Update has its answer before the workflow fails. */
    async refuse(refusal: Refusal): Promise<never> {
      outcome = { refusal };
      wf.upsertMemo({ refused: refusal });
      await wf.condition(wf.allHandlersFinished);
      throw wf.ApplicationFailure.create({ type: 'BookingRefused', message: refusal.message, nonRetryable: true, details: [refusal] });
    },
  };
}
