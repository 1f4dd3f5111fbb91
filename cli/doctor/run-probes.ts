import { isDeviceError } from '../../drivers/errors';
import type { ProbeResult, ProbeRow } from './findings';
import { messageOf } from './findings';
import type { ProbeTask } from './probes';

/** Doctor's own bound on a device, for a driver whose timeout did not fire (it always should). */
export class ProbeTimedOut extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

// How drivers word a timeout in their *Unreachable errors (ipmitool killed, axios aborted, ssh ready timeout).
const TIMEOUT_WORDS = /no answer within|no answer in time|timed? ?out/i;

/** What a failed call means to an operator: the typed driver errors decide, not the wording of the message. */
export function classify(err: unknown): { result: ProbeResult; reason: string } {
  const reason = messageOf(err);
  if (err instanceof ProbeTimedOut) return { result: 'timed out', reason };
  if (isDeviceError(err)) {
    if (err.type.endsWith('AuthFailed')) return { result: 'refused credentials', reason };
    if (err.type.endsWith('Unreachable')) return { result: TIMEOUT_WORDS.test(reason) ? 'timed out' : 'unreachable', reason };
  }
  return { result: 'error', reason };
}

/** Runs the calls at most `concurrency` at a time, each bounded; rows come back in the tasks' order. */
export async function runProbes(tasks: ProbeTask[], options: { concurrency: number; timeoutMs: number }): Promise<ProbeRow[]> {
  const rows: ProbeRow[] = new Array<ProbeRow>(tasks.length);
  let next = 0;
  // The drivers were given the same timeout; this grace lets their more precise reason win.
  const bound = options.timeoutMs + 2_000;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const task = tasks[i]!;
      const row = { device: task.device, kind: task.kind, address: task.address };
      if (!task.call) {
        rows[i] = { ...row, ...(task.known ?? { result: 'error', reason: 'nothing to call' }) };
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        const reason = await Promise.race([
          task.call(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new ProbeTimedOut(bound)), bound);
          }),
        ]);
        rows[i] = { ...row, result: 'ok', reason };
      } catch (err) {
        rows[i] = { ...row, ...classify(err) };
      } finally {
        clearTimeout(timer);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, tasks.length)) }, lane));
  return rows;
}
