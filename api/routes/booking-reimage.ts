import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Lab } from '../../config/lab';
import { actingForHeaders } from '../schemas/booking';
import { errorResponses } from '../schemas/errors';
import { principalOf } from '../auth/authenticate';
import type { Principal } from '../auth/principal';
import { visibleBooking } from '../booking-facts';
import { ApiError } from '../errors';
import { bookingWorkflowId, reimageUpdate } from '../../workflows/definitions';

export interface BookingReimageDeps {
  temporal: Client;
  /** The lab this API serves: its images are the ones a host can take. */
  lab: Lab;
}

const params = z.object({ id: z.string().min(1).max(64), host: z.string().min(1).max(64) });
const body = z.object({ image: z.string().min(1).max(128).describe("One of the lab's image names") }).strict();
const accepted = z.object({
  id: z.string(),
  host: z.string(),
  image: z.string(),
  /** Counts the booking's re-images: the events `host:reimage` and `host:reimaged` carry it. */
  reimage: z.number().int(),
  links: z.object({ self: z.string(), events: z.string() }),
});

/** Re-imaging wipes the host's disk: the booking's owner may ask, or anyone above a single user. */
function mayReimage(p: Principal, owner: string | undefined): boolean {
  if (p.kind === 'admin') return true;
  if (p.kind === 'user') return p.name === owner;
  return p.actingFor === null || p.actingFor.name === owner;
}

/** `POST /v1/bookings/:id/hosts/:host/reimage`: put another image on one host of an active booking. */
export const bookingReimageRoutes: FastifyPluginAsyncZod<BookingReimageDeps> = (app, deps) => {
  app.post(
    '/bookings/:id/hosts/:host/reimage',
    {
      bodyLimit: 4 * 1024,
      config: { audit: 'booking.reimage' },
      schema: {
        summary: "Re-image one host of an active booking: power, imaging, network and access run again with the new image; the host's switch ports stay as they are",
        tags: ['bookings'],
        headers: actingForHeaders,
        params,
        body,
        response: { 202: accepted.describe('Asked: the host is being re-imaged; follow its steps and the host:reimaged event'), ...errorResponses(404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const { id, host } = request.params;
      const principal = principalOf(request);
      const facts = await visibleBooking(deps.temporal, deps.lab.name, principal, id);
      if (!mayReimage(principal, facts.owner)) throw new ApiError(403, 'NotOwner', `only the owner of booking ${id} may re-image its hosts`);
      const { image } = request.body;
      if (!deps.lab.images.some((im) => im.name === image)) {
        throw new ApiError(400, 'InvalidRequest', `image: no image ${image} in lab ${deps.lab.name}`, { issues: [{ field: 'image', message: `no image ${image} in lab ${deps.lab.name}` }] });
      }
      const handle = deps.temporal.workflow.getHandle(bookingWorkflowId(id));
      let result: { host: string; image: string; reimage: number };
      try {
        result = await handle.executeUpdate(reimageUpdate, { args: [{ host, image }] });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new ApiError(409, 'BookingClosed', `booking ${id} is already closed`);
        if (err instanceof WorkflowUpdateFailedError) {
          const cause = err.cause;
          const type = cause instanceof ApplicationFailure && cause.type && cause.type !== 'Error' ? cause.type : 'BookingConflict';
          throw new ApiError(409, type, cause?.message ?? err.message);
        }
        throw err;
      }
      return reply.status(202).send({ id, ...result, links: { self: `/v1/bookings/${id}`, events: `/v1/bookings/${id}/events` } });
    },
  );
  return Promise.resolve();
};
