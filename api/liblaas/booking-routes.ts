import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { deleteAggregate, getAggregate, insertAggregate } from '../../db/liblaas-aggregates';
import { getTemplate } from '../../db/liblaas-templates';
import { ApiError } from '../errors';
import { admitBooking, requestHash } from '../booking-admission';
import { toWorkflowInput } from '../booking-rules';
import type { BookingMemo } from '../booking-facts';
import { readCatalog } from './catalog';
import { directoryUsers } from './directory-users';
import { bookingBlob, bookingRequest, checkAvailability } from './booking-request';
import { readBookingView } from './booking-status-source';
import { checkProject, fail, parseBody, type LiblaasContext } from './context';
import { isUuid, nameUuid } from './ids';
import { instanceLogs } from './status-logs';
import { templateRecordOf } from './templates';
import { bookingWorkflowId, releaseSignal } from '../../workflows/definitions';

/** States in which `end` has nothing left to do: the booking is (being) undone already. */
const ENDED = ['releasing', 'released', 'failed', 'needs_cleanup'];

/** booking/create, booking/{agg}/status, booking/{agg}/end (§2.1-2.3). */
export function bookingRoutes(app: FastifyInstance, ctx: LiblaasContext): void {
  app.post('/booking/create', async (request, reply) => {
    const blob = parseBody(bookingBlob, request.body);
    checkProject(ctx, blob.origin);
    if (!isUuid(blob.template_id)) throw fail(`no template ${blob.template_id}`);
    const template = await getTemplate(ctx.db, blob.template_id);
    if (!template || template.deleted || template.project !== blob.origin) throw fail(`no template ${blob.template_id} in ${blob.origin}`);
    const owner = blob.metadata.owner ?? blob.allowed_users.at(-1) ?? '';
    const users = await directoryUsers(ctx, [...new Set([...blob.allowed_users, owner])].filter(Boolean));
    const catalog = await readCatalog(ctx.db, ctx.lab.name);
    const now = new Date();
    const body = bookingRequest(blob, template, users, catalog, ctx.lab, now);
    checkAvailability(body, catalog);
    const id = randomUUID();
    await insertAggregate(ctx.db, {
      id,
      project: blob.origin,
      templateId: template.id,
      users: body.access.vpnUsers,
      metadata: { ...blob.metadata, start: now.toISOString(), end: body.end },
      instances: template.hosts.map((h, slot) => ({ id: nameUuid(id, 'instance', String(slot)), slot, hostname: h.hostname, imageId: h.image })),
    });
    const input = toWorkflowInput(body, id, ctx.lab, now);
    const memo: BookingMemo = { requestHash: requestHash(body), purpose: body.purpose ?? '', requestedBy: `liblaas:${owner}`, lease: { start: input.start, end: input.end } };
    try {
      // The admission of /v1: answers once the hosts and VLANs are held, or refuses at once (a held host).
      await admitBooking(ctx, input, memo, body);
    } catch (err) {
      // Workers slow to admit: the booking is started and will show its outcome in status.
      if (err instanceof ApiError && err.type === 'AdmissionPending') return reply.type('application/json').send(JSON.stringify(id));
      await deleteAggregate(ctx.db, id);
      if (err instanceof ApiError) throw fail(`unable to create the aggregate/booking: ${err.message}`);
      throw err;
    }
    // A JSON string: the dashboard stores it as the booking's aggregateId.
    await reply.type('application/json').send(JSON.stringify(id));
  });

  app.get<{ Params: { agg: string } }>('/booking/:agg/status', async (request, reply) => {
    const { agg } = request.params;
    if (!isUuid(agg)) throw fail(`Invalid URL: Cannot parse \`${agg}\` to a UUID`, 400);
    const aggregate = await getAggregate(ctx.db, agg);
    if (!aggregate) throw fail(`no booking ${agg}`);
    const template = await getTemplate(ctx.db, aggregate.template_id);
    if (!template) throw fail(`the template of booking ${agg} is gone`);
    const [view, catalog] = await Promise.all([readBookingView(ctx, agg), readCatalog(ctx.db, ctx.lab.name)]);
    const instances = Object.fromEntries(
      aggregate.instances.map((inst) => {
        const host = view?.hosts[inst.slot];
        const linked = host && !host.name.startsWith('(') ? host.name : null;
        const bmc = linked ? catalog.hosts.find((h) => h.name === linked)?.bmcAddress : undefined;
        return [
          inst.id,
          {
            instance: inst.id,
            host_alias: inst.hostname,
            // An object even before allocation (empty names): the dashboard's poll reads .hostname (§5.8).
            assigned_host_info: { hostname: linked ?? '', ipmi_fqdn: bmc ?? '', serial: '', brand: '', model: '' },
            soft_serial: null,
            image_list: linked ? catalog.images.map((i) => i.blob) : [],
            logs: instanceLogs(view, host, aggregate.created_at),
          },
        ];
      }),
    );
    const vlans = new Map((view?.networks ?? []).map((n) => [n.name, n.vlan]));
    await reply.type('application/json').send({
      instances,
      // laas creates no per-booking BMC account: power goes through booking/ipmi/* instead.
      config: { ipmi_username: '', ipmi_password: '' },
      template: templateRecordOf(template, ctx.lab.name),
      // laas addition (the dashboard reads none of it): the booking's networks with their VLANs, and its laas state.
      networks: template.networks.map((n) => ({ name: n.name, public: n.public, vlan: vlans.get(n.name.toLowerCase()) ?? null })),
      state: view?.state ?? 'unknown',
    });
  });

  app.delete<{ Params: { agg: string } }>('/booking/:agg/end', async (request) => {
    const { agg } = request.params;
    if (!isUuid(agg)) throw fail(`Invalid URL: Cannot parse \`${agg}\` to a UUID`, 400);
    const aggregate = await getAggregate(ctx.db, agg);
    const view = aggregate ? await readBookingView(ctx, agg) : null;
    if (!aggregate || !view) return { success: false, details: `no booking ${agg}` };
    const done = { success: true, details: `Successfully ended booking with agg_id ${agg}` };
    if (ENDED.includes(view.state)) return done;
    try {
      await ctx.temporal.workflow.getHandle(bookingWorkflowId(agg)).signal(releaseSignal, { reason: 'ended through liblaas' });
    } catch (err) {
      // Closed between the read and the signal: ended all the same.
      if ((err as Error).name !== 'WorkflowNotFoundError') return { success: false, details: `could not end booking ${agg}: ${(err as Error).message}` };
    }
    return done;
  });
}
