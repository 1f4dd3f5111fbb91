/**
 * Every driver failure is a DeviceError with a stable `type` (the name the
 * activities turn into an ApplicationFailure type) and whether retrying can help.
 * Messages never carry credentials.
 */
export class DeviceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly retryable: boolean,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }
}

export function isDeviceError(err: unknown): err is DeviceError {
  return err instanceof DeviceError;
}

/** Raised before anything reaches a device: a value that would not be safe on a command line. */
export class InvalidInput extends DeviceError {
  constructor(
    what: string,
    value: string,
    /** Why the value is refused, without the value: what the API shows next to the field's name. */
    readonly why: string,
  ) {
    super('InvalidInput', `${what} ${JSON.stringify(value)} is not valid: ${why}`, false, { what });
  }
}
