import { BusyError, InvalidCredentialsError, ResultCodeError, UnavailableError } from 'ldapts';
import { DeviceError } from '../errors';
import { DirectoryAuthFailed, DirectoryRejected, DirectoryUnreachable } from './directory';

/**
 * Turn whatever ldapts threw into one of the directory's typed errors.
 * A result code means the server answered: busy/unavailable may pass, anything
 * else is a refusal. Anything without a result code is the network or a timeout.
 */
export function directoryError(err: unknown, action: string): DeviceError {
  if (err instanceof DeviceError) return err;
  if (err instanceof InvalidCredentialsError) return new DirectoryAuthFailed();
  if (err instanceof BusyError || err instanceof UnavailableError) return new DirectoryUnreachable(`${action}: ${err.message}`);
  if (err instanceof ResultCodeError) return new DirectoryRejected(action, err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new DirectoryUnreachable(`${action}: ${message}`);
}
