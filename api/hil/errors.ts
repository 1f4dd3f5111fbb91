import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isInventoryError } from '../../db/errors';
import { isDatabaseUnavailable } from '../../db/outage';
import { ChangeNotRecorded, RETRY_AFTER_S, unrecordedBody } from '../audit';
import { isDeviceError } from '../../drivers/errors';

// HIL's statuses by error type (hil/errors.py); anything else a client could not fix is a 500.
const STATUS: Record<string, number> = {
  NotFoundError: 404,
  DuplicateError: 409,
  BlockedError: 409,
  ProjectMismatchError: 409,
  IllegalStateError: 409,
  AuthorizationError: 401,
  BadArgumentError: 400,
  ValidationError: 400,
  AllocationError: 500,
  OBMError: 500,
  SwitchError: 500,
};

export function sendHilError(reply: FastifyReply, type: string, msg: string, status = STATUS[type] ?? 500): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Basic realm="laas", charset="UTF-8"');
  return reply.status(status).send({ type, msg });
}

/**
 * `{"type", "msg"}` for every error under /v0, as HIL answered. Bodies are never
 * echoed or logged: a request body may carry a BMC or switch password.
 */
export function installHilErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    // Nothing was changed: the database that records every change (or holds it) was not there.
    if (err instanceof ChangeNotRecorded || isDatabaseUnavailable(err)) {
      request.log.error({ msg: ((err.cause as Error | undefined) ?? err).message }, 'database unavailable: HIL call refused');
      return reply.status(503).header('retry-after', String(RETRY_AFTER_S)).send(unrecordedBody(request));
    }
    if (isInventoryError(err)) {
      const status = STATUS[err.type] ?? 500;
      if (status >= 500) request.log.error({ type: err.type, msg: err.message }, 'HIL call failed');
      return sendHilError(reply, err.type, err.message, status);
    }
    if (isDeviceError(err)) {
      // A BMC that failed: HIL's OBMError. Driver messages never carry credentials.
      request.log.error({ type: err.type, msg: err.message }, 'BMC call failed');
      return sendHilError(reply, 'OBMError', err.message, 500);
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      // Parser messages may quote the body (and so a password): say what was wrong without it.
      const msg = err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'the request body is empty but declared as JSON'
        : err.code?.startsWith('FST_ERR_CTP') || err instanceof SyntaxError ? 'the request body is not valid JSON'
        : status === 413 ? 'the request body is too large'
        : 'the request is not valid';
      return sendHilError(reply, 'BadArgumentError', msg, 400);
    }
    request.log.error({ err: { name: err.name, message: err.message, stack: err.stack } }, 'HIL call failed');
    return sendHilError(reply, 'ServerError', 'internal error', 500);
  });
  app.setNotFoundHandler((request, reply) => sendHilError(reply, 'NotFoundError', `no API call ${request.method} ${request.url.split('?')[0]}`, 404));
}
