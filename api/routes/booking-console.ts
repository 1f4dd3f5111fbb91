import type { FastifyInstance, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { NodeConsoles } from '../consoles';
import { principalOf } from '../auth/authenticate';
import { visibleBooking } from '../booking-facts';
import { ApiError } from '../errors';
import { asciiText } from '../hil/routes/console';
import { errorResponses } from '../schemas/errors';

export interface BookingConsoleDeps {
  temporal: Client;
  lab: string;
  consoles: NodeConsoles;
}

const params = z.object({ id: z.string().min(1).max(64), host: z.string().min(1).max(128) });

/**
 * A booking's host console for the booking's owners (anyone who sees the booking): a plain GET
 * answers the captured log so far, capture started if it was not; a WebSocket upgrade on the same
 * path gets that log first, then every byte the console writes, until either side closes. The
 * console is captured by the lab's worker into PostgreSQL; this process only reads it.
 */
export async function bookingConsoleRoutes(app: FastifyInstance, deps: BookingConsoleDeps): Promise<void> {
  await app.register(websocket);

  async function capture(request: FastifyRequest): Promise<string> {
    const { id, host } = params.parse(request.params);
    const facts = await visibleBooking(deps.temporal, deps.lab, principalOf(request), id);
    if (!facts.hosts.includes(host)) throw new ApiError(404, 'HostNotInBooking', `host ${host} is not in booking ${id}`);
    if (!(await deps.consoles.has(host))) await deps.consoles.start(host);
    return host;
  }

  app.route({
    method: 'GET',
    url: '/bookings/:id/hosts/:host/console',
    schema: {
      summary: "A booked host's serial console: the log so far (GET), or live over a WebSocket on the same path",
      tags: ['bookings'],
      params,
      response: { 200: z.string().describe('The console log, plain text'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const host = await capture(request);
      return reply.type('text/plain; charset=utf-8').send(asciiText((await deps.consoles.log(host)) ?? Buffer.alloc(0)));
    },
    wsHandler: (socket, request) => {
      let unsubscribe: (() => void) | null = null;
      let closed = false;
      socket.on('close', () => {
        closed = true;
        unsubscribe?.();
      });
      capture(request)
        .then(async (host) => {
          if (closed) return;
          // The log so far, then what the console writes, as the worker stores it in PostgreSQL.
          const stop = await deps.consoles.follow(host, (bytes) => socket.send(bytes), () => socket.close(1000, 'the console capture was stopped'));
          if (closed) stop();
          else unsubscribe = stop;
        })
        .catch((err: Error & { statusCode?: number }) => socket.close(err.statusCode === 404 ? 4404 : 4400, err.message.slice(0, 120)));
    },
  });
}
