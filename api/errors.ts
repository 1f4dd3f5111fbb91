import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable } from '../db/outage';
import { ChangeNotRecorded, RETRY_AFTER_S, unrecordedBody } from './audit';

/** gRPC UNAVAILABLE and DEADLINE_EXCEEDED: Temporal did not answer (down, restarting, unreachable). */
function isTemporalUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (err as Error | null)?.name === 'ServiceError' ? isTemporalUnavailable((err as { cause?: unknown }).cause) : code === 14 || code === 4;
}

/** An error the API answers with: HTTP status, a stable type, a message naming what is wrong. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function errorBody(type: string, message: string, details?: unknown) {
  return { error: details === undefined ? { type, message } : { type, message, details } };
}

/** One error body for every route: `{ error: { type, message, details? } }`. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) {
      if (err.status === 503) reply.header('retry-after', '5');
      return reply.status(err.status).send(errorBody(err.type, err.message, err.details));
    }
    if (err instanceof ChangeNotRecorded) {
      request.log.error({ err: { message: (err.cause as Error | undefined)?.message } }, 'audit record failed: change rolled back');
      return reply.status(503).header('retry-after', String(RETRY_AFTER_S)).send(unrecordedBody(request));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({
        field: fieldOf(v.instancePath, (v.params as { issue?: { path?: PropertyKey[] } } | undefined)?.issue?.path),
        message: v.message ?? 'invalid',
      }));
      const first = issues[0]!;
      return reply.status(400).send(errorBody('InvalidRequest', `${first.field || 'body'}: ${first.message}`, { issues }));
    }
    // A dependency that is away is the client's cue to come back, not an internal error.
    if (isDatabaseUnavailable(err) || isTemporalUnavailable(err)) {
      const temporal = !isDatabaseUnavailable(err);
      request.log.warn({ err: { message: err.message } }, 'dependency unavailable');
      return reply
        .status(503)
        .header('retry-after', '5')
        .send(errorBody(temporal ? 'TemporalUnavailable' : 'DatabaseUnavailable', `${temporal ? 'Temporal' : 'the database'} is unavailable; try again shortly`));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    if (status === 413) {
      return reply.status(413).send(errorBody('BodyTooLarge', `the body is larger than this route accepts (${request.routeOptions.bodyLimit} bytes)`));
    }
    if (status === 415) {
      const given = request.headers['content-type'] ?? '(none)';
      return reply.status(415).send(errorBody('UnsupportedMediaType', `the body must be application/json, not ${given.split(';')[0]}`));
    }
    const type = status >= 500 ? 'InternalError' : 'InvalidRequest';
    return reply.status(status).send(errorBody(type, status >= 500 ? 'internal error' : err.message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('NotFound', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

function fieldOf(instancePath: string, path?: PropertyKey[]): string {
  if (path && path.length) return path.map(String).join('.');
  return instancePath.replace(/^\//, '').replaceAll('/', '.');
}
