import type { z } from 'zod';
import { BadArgumentError, InventoryError } from '../../db/errors';

/**
 * Validates a request body, naming every field that is wrong. Messages come from
 * the schema (expected types, allowed values), never from the values sent.
 */
export function parseBody<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
  throw new BadArgumentError(`invalid request body: ${problems.join('; ')}`);
}

/** HIL's ValidationError (400): a body field missing, unknown or of the wrong type. */
export class ValidationError extends InventoryError {
  constructor(message: string) {
    super('ValidationError', message);
  }
}

/** The same, failing as HIL >= 0.4's schema check did: ValidationError (400). */
export function parseValidated<T>(schema: z.ZodType<T>, raw: unknown): T {
  try {
    return parseBody(schema, raw);
  } catch (err) {
    if (err instanceof BadArgumentError) throw new ValidationError(err.message);
    throw err;
  }
}
