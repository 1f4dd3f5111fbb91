import type { z } from 'zod';
import { BadArgumentError } from '../../db/errors';

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
