import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addAggregateUsers, getAggregate } from '../../db/liblaas-aggregates';
import type { DirectoryUser } from '../../drivers/directory/directory';
import { createDirectoryUser, directoryUsers, setDirectoryUserCompany, setDirectoryUserKeys } from './directory-users';
import { parsePublicKey } from '../../drivers/host/ssh-keys';
import { readBookingView } from './booking-status-source';
import { grantCollaboratorAccess } from './collaborators';
import { fail, LiblaasJsonError, parseBody, type LiblaasContext } from './context';
import { isUuid } from './ids';

/** A user name laas can put on hosts and in the VPN directory (POSIX, like the booking API's vpnUsers). */
const UID = /^[a-z_][a-z0-9_.-]{0,31}$/;

/** §2.16's User: `ipasshpubkey` left out when the user has no keys (the dashboard tests its presence). */
export function userJson(u: DirectoryUser) {
  return {
    uid: u.uid,
    givenname: u.givenname,
    sn: u.sn,
    mail: u.mail,
    ou: u.ou,
    cn: `${u.givenname} ${u.sn}`,
    ...(u.sshKeys.length ? { ipasshpubkey: u.sshKeys } : {}),
  };
}

const createBody = z.object({ uid: z.string(), givenname: z.string(), sn: z.string(), ou: z.string(), mail: z.string(), random: z.boolean().optional() }).passthrough();

/** user/{u}, user/many, user/create, user/{u}/ssh, user/{u}/company, user/{agg}/addusers (§2.15-2.20). */
export function userRoutes(app: FastifyInstance, ctx: LiblaasContext): void {
  app.get<{ Params: { user: string } }>('/user/:user', async (request) => {
    const [u] = await directoryUsers(ctx, [request.params.user]);
    // Not JSON: the dashboard reads it as "no such user" (None), never as an empty user.
    if (!u) throw fail('Failed to find user');
    return userJson(u);
  });

  app.post('/user/many', async (request) => {
    const names = parseBody(z.array(z.string()), request.body);
    const rows = await directoryUsers(ctx, names);
    const byUid = new Map(rows.map((r) => [r.uid, r]));
    const missing = names.filter((n) => !byUid.has(n));
    if (missing.length) throw fail(`Failed to find user ${missing.join(', ')}`);
    return names.map((n) => userJson(byUid.get(n)!));
  });

  app.post('/user/create', async (request, reply) => {
    const body = parseBody(createBody, request.body);
    if (!UID.test(body.uid)) throw fail(`Failed to create user, encountered error: ${JSON.stringify(body.uid)} is not a valid user name`);
    if (!/^[^@\s]+@[^@\s]+$/.test(body.mail)) throw fail(`Failed to create user, encountered error: ${JSON.stringify(body.mail)} is not an e-mail address`);
    if (!body.givenname.trim() || !body.sn.trim()) throw fail('Failed to create user, encountered error: first and last name are required');
    const created = await createDirectoryUser(ctx, { uid: body.uid, givenname: body.givenname, sn: body.sn, mail: body.mail, ou: body.ou });
    if (!created) throw fail(`Failed to create user, encountered error: user ${body.uid} already exists`);
    await reply.status(200).send('');
  });

  app.post<{ Params: { user: string } }>('/user/:user/ssh', async (request, reply) => {
    const keys = parseBody(z.array(z.string()), request.body).map((k) => k.trim()).filter(Boolean);
    try {
      keys.forEach((k, i) => parsePublicKey(k, `SSH key ${i + 1}`));
    } catch (err) {
      throw fail((err as Error).message);
    }
    if (!(await setDirectoryUserKeys(ctx, request.params.user, [...new Set(keys)]))) throw fail('Failed to find user');
    await reply.status(200).send('');
  });

  app.post<{ Params: { user: string } }>('/user/:user/company', async (request, reply) => {
    const company = parseBody(z.string().max(255), request.body);
    if (!(await setDirectoryUserCompany(ctx, request.params.user, company))) throw fail('Failed to find user');
    await reply.status(200).send('');
  });

  app.post<{ Params: { agg: string } }>('/user/:agg/addusers', async (request) => {
    const { agg } = request.params;
    const body = parseBody(z.object({ users: z.array(z.string()) }), request.body);
    const aggregate = isUuid(agg) ? await getAggregate(ctx.db, agg) : null;
    if (!aggregate) throw new LiblaasJsonError(400, 'Aggregate does not exist.');
    const known = body.users.every(Boolean) ? await directoryUsers(ctx, body.users) : [];
    if (body.users.some((u) => !u || !known.some((k) => k.uid === u))) throw new LiblaasJsonError(400, 'Empty or malformed user in users field.');
    const view = await readBookingView(ctx, agg);
    if (view?.state !== 'active') throw new LiblaasJsonError(400, 'Aggregate has not finished provisioning.');
    const fresh = known.filter((k) => !aggregate.users.includes(k.uid));
    if (fresh.length) await grantCollaboratorAccess(ctx, agg, fresh);
    return { users: await addAggregateUsers(ctx.db, agg, body.users) };
  });
}
