import { z } from 'zod';

/** Every refusal and failure, on every route: `{ error: { type, message, details? } }`. */
export const errorBody = z
  .object({
    error: z.object({
      /** Stable, machine-readable: what a client branches on. */
      type: z.string(),
      /** For people: names the field or thing that is wrong. */
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error', description: 'The error body of every refusal and failure' });

const WHY: Record<number, string> = {
  400: 'The request is not valid (the message names the field or header)',
  401: 'No bearer token, or one not recognised',
  403: 'The token may not do this (not a member of the project, operators only, wrong lab)',
  404: 'No such booking, or not one of your projects',
  409: 'The booking is in a state that refuses this (closed, conflicting range, id taken)',
  413: 'The body is larger than this route accepts',
  415: 'The body is not application/json',
  503: 'The lab could not answer now (its workers are down or starting): send the same request again',
};

/**
 * Error responses for a route's OpenAPI entry and serializer. Any route behind a token can answer
 * 400 (a malformed X-On-Behalf-Of), 401 and 403 (a token that may not act here).
 */
export function errorResponses(...statuses: (404 | 409 | 413 | 415 | 503)[]) {
  const out: Record<number, typeof errorBody> = {};
  for (const s of [400, 401, 403, ...statuses]) out[s] = errorBody.describe(WHY[s]!);
  return out;
}
