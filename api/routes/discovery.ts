import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Lab } from '../../config/lab';
import type { Database } from '../../db/database';
import { freeVlanCount, freeWindows, labHosts, type Holding } from '../../db/discovery';
import { actingForHeaders } from '../schemas/booking';
import { errorResponses } from '../schemas/errors';
import { availability, availabilityQuery, flavorList, hostList, imageList, labInfo } from '../schemas/discovery';
import { principalOf } from '../auth/authenticate';
import { inScope, type Principal } from '../auth/principal';

export interface DiscoveryDeps {
  db: Kysely<Database>;
  lab: Lab;
}

/** The flavors an image runs on: the ones it names, or every flavor of the lab. */
export function imageFlavors(lab: Lab, image: Lab['images'][number]): string[] {
  return image.flavors ?? [...new Set(lab.hosts.map((h) => h.flavor))].sort();
}

/** A holding as the caller may see it: the booking id only for the caller's own projects. */
function shownHolding(p: Principal, h: Holding) {
  const mine = h.bookingId !== null && h.project !== null && inScope(p, h.project);
  return { ...(mine ? { bookingId: h.bookingId! } : {}), project: h.project, start: h.start.toISOString(), end: h.end?.toISOString() ?? null };
}

/**
 * What the lab has and what is free, for a dashboard to offer (GET /v1/hosts, /flavors, /images,
 * /availability, /lab). Behind the same token as the bookings; another project's booking shows
 * as its project and range only.
 */
export const discoveryRoutes: FastifyPluginAsyncZod<DiscoveryDeps> = (app, deps) => {
  const schema = (summary: string, response: object) => ({ summary, tags: ['lab'], headers: actingForHeaders, response: { 200: response, ...errorResponses() } });

  app.get('/hosts', { schema: schema('The lab\'s hosts: flavor, state, NICs, and who holds each until when', hostList) }, async (request) => {
    const p = principalOf(request);
    const hosts = await labHosts(deps.db, deps.lab.name);
    return { hosts: hosts.map((h) => ({ name: h.name, flavor: h.flavor, state: h.state, nics: h.nics, heldBy: h.holdings.map((x) => shownHolding(p, x)) })) };
  });

  app.get('/flavors', { schema: schema('Flavors: the hosts of each and the images that run on it', flavorList) }, async () => {
    const hosts = await labHosts(deps.db, deps.lab.name);
    const names = [...new Set(hosts.flatMap((h) => (h.flavor ? [h.flavor] : [])))].sort();
    return {
      flavors: names.map((flavor) => ({
        name: flavor,
        hosts: hosts.filter((h) => h.flavor === flavor).map((h) => h.name),
        images: deps.lab.images.filter((im) => imageFlavors(deps.lab, im).includes(flavor)).map((im) => im.name),
      })),
    };
  });

  app.get('/images', { schema: schema('Images a booking may ask for, with the flavors each runs on', imageList) }, () =>
    Promise.resolve({ images: deps.lab.images.map((im) => ({ name: im.name, osFamily: im.osFamily, flavors: imageFlavors(deps.lab, im) })) }),
  );

  app.get(
    '/availability',
    { schema: { ...schema('Free hosts and free time windows between from and to (by flavor or host)', availability), querystring: availabilityQuery } },
    async (request) => {
      const { from, to, flavor, host } = request.query;
      const [start, end] = [new Date(from), new Date(to)];
      const hosts = await labHosts(deps.db, deps.lab.name, { ...(flavor ? { flavor } : {}), ...(host ? { host } : {}) });
      const windows = hosts.map((h) => ({
        name: h.name,
        flavor: h.flavor,
        state: h.state,
        free: h.state === 'available' ? freeWindows(h.holdings, start, end).map((w) => ({ start: w.start.toISOString(), end: w.end.toISOString() })) : [],
      }));
      const whole = (w: { free: { start: string; end: string }[] }) => w.free.length === 1 && w.free[0]!.start === start.toISOString() && w.free[0]!.end === end.toISOString();
      return { from: start.toISOString(), to: end.toISOString(), freeHosts: windows.filter(whole).map((w) => w.name), hosts: windows, vlans: await freeVlanCount(deps.db, deps.lab.name, start, end) };
    },
  );

  app.get('/lab', { schema: schema('The lab: name, lease limits, VLAN pool size', labInfo) }, () => {
    const { name, maxLeaseHours, holdTimeoutMinutes, failurePolicy, vlanPool } = deps.lab;
    return Promise.resolve({ name, maxLeaseHours, holdTimeoutMinutes, failurePolicy, vlanPool: { ...vlanPool, size: vlanPool.to - vlanPool.from + 1 } });
  });
  return Promise.resolve();
};
