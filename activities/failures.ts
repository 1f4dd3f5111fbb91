import { ApplicationFailure } from '@temporalio/common';
import { isDeviceError } from '../drivers/errors';
import { isInventoryError } from '../db/errors';

/**
 * Run a step's device work and turn a typed driver error into an ApplicationFailure
 * with the same type, so retry policies and the API can tell failures apart.
 */
export async function asStep<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toFailure(err);
  }
}

export function toFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (isDeviceError(err)) {
    return ApplicationFailure.create({ type: err.type, message: err.message, nonRetryable: !err.retryable, details: [err.details] });
  }
  // The inventory's refusals (host taken, no free VLAN, unknown booking) do not change by retrying.
  if (isInventoryError(err)) {
    return ApplicationFailure.create({ type: err.type, message: err.message, nonRetryable: true, details: [err.details] });
  }
  return err;
}

/** Input the workflow should never have sent: not worth retrying. */
export function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true });
}
