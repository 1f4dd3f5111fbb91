import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { countTemplates, deleteTemplate, getTemplate, insertTemplate, listTemplates } from '../../db/liblaas-templates';
import { flavorList, hostList, readCatalog } from './catalog';
import { checkProject, fail, parseBody, type LiblaasContext } from './context';
import { isUuid } from './ids';
import { checkTemplate, seedPublicTemplates, templateBlob, templateBlobOf } from './templates';

/** flavor/{p}, flavor/{p}/hosts, template/list/{p}/{u}, template/{p}/create, template/{id} (§2.10-2.14). */
export function catalogRoutes(app: FastifyInstance, ctx: LiblaasContext): void {
  app.get<{ Params: { project: string } }>('/flavor/:project', async (request) => {
    checkProject(ctx, request.params.project);
    return flavorList(await readCatalog(ctx.db, ctx.lab.name));
  });

  app.get<{ Params: { project: string } }>('/flavor/:project/hosts', async (request) => {
    checkProject(ctx, request.params.project);
    return hostList(await readCatalog(ctx.db, ctx.lab.name));
  });

  app.get<{ Params: { project: string; user: string } }>('/template/list/:project/:user', async (request) => {
    const { project, user } = request.params;
    checkProject(ctx, project);
    const catalog = await readCatalog(ctx.db, ctx.lab.name);
    // An empty list fails the dashboard's book page: a project never seeded (the inventory was imported after start) is seeded now.
    if ((await countTemplates(ctx.db, project)) === 0) await seedPublicTemplates(ctx.db, catalog, project);
    return (await listTemplates(ctx.db, project, user)).map((t) => templateBlobOf(t, catalog));
  });

  app.post<{ Params: { project: string } }>('/template/:project/create', async (request, reply) => {
    const blob = parseBody(templateBlob, request.body);
    checkProject(ctx, request.params.project);
    if (blob.lab_name !== request.params.project) throw fail(`lab_name ${blob.lab_name} differs from the path's ${request.params.project}`);
    if (blob.id) throw fail('a new template must not carry an id', 400);
    if (!blob.owner) throw fail('a template needs an owner');
    const hosts = checkTemplate(blob, await readCatalog(ctx.db, ctx.lab.name));
    const id = randomUUID();
    // The dashboard only creates private templates; publishing is the lab's (its seeded catalog).
    await insertTemplate(ctx.db, { id, project: blob.lab_name, owner: blob.owner, name: blob.pod_name, description: blob.pod_desc, public: false, hosts, networks: blob.networks });
    await reply.type('application/json').send(JSON.stringify(id));
  });

  app.delete<{ Params: { id: string } }>('/template/:id', async (request, reply) => {
    const { id } = request.params;
    if (!isUuid(id)) throw fail(`Invalid URL: Cannot parse \`${id}\` to a UUID`, 400);
    const t = await getTemplate(ctx.db, id);
    if (!t || !servedBy(ctx, t.project)) throw fail(`no template ${id}`);
    await deleteTemplate(ctx.db, id);
    await reply.status(200).send('');
  });
}

function servedBy(ctx: LiblaasContext, project: string): boolean {
  try {
    checkProject(ctx, project);
    return true;
  } catch {
    return false;
  }
}
