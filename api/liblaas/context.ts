import type { FastifyBaseLogger } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Lab } from '../../config/lab';
import type { Database } from '../../db/database';

/** How the liblaas API is served (config/settings.ts LAAS_LIBLAAS_*). */
export interface LiblaasOptions {
  /** Path prefix, starting and ending with "/" (default /liblaas/). */
  prefix: string;
  /** The dashboard project names (its PROJECT) served; the lab's name when empty. */
  projects: string[];
  /** Shared secret expected in X-Auth-Key; none when absent. */
  token?: string | undefined;
  /** Client addresses or IPv4 CIDRs allowed. */
  allow: string[];
  /** Webhook for expiry notices and extension requests; logged only when absent. */
  notifyUrl?: string | undefined;
}

export interface LiblaasContext {
  temporal: Client;
  db: Kysely<Database>;
  lab: Lab;
  taskQueue: string;
  options: LiblaasOptions;
  log: FastifyBaseLogger;
}

/**
 * An error answered the way the dashboard survives it: plain text (never JSON, which the dashboard
 * would take as data: reference §1.3 group J), `Error handling request: <message>` like liblaas.
 */
export class LiblaasError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** liblaas's JSON error `{"message"}`: only the IPMI routes and addusers use it. */
export class LiblaasJsonError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const fail = (message: string, status = 500): LiblaasError => new LiblaasError(status, message);

/** Parse a body like axum's Json extractor: a shape mismatch is 422 text. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (body === undefined) throw new LiblaasError(400, 'Failed to parse the request body as JSON: EOF while parsing a value');
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new LiblaasError(422, `Failed to deserialize the JSON body into the target type: ${issue.path.join('.') || 'body'}: ${issue.message}`);
}

export function servedProjects(ctx: Pick<LiblaasContext, 'options' | 'lab'>): string[] {
  return ctx.options.projects.length ? ctx.options.projects : [ctx.lab.name];
}

export function checkProject(ctx: Pick<LiblaasContext, 'options' | 'lab'>, project: string): void {
  if (!servedProjects(ctx).includes(project)) throw new LiblaasError(404, 'Failed to find lab');
}
