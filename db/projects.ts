import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import { BlockedError, DuplicateError, NotFoundError, pgCode, PG_UNIQUE_VIOLATION } from './errors';
import { hostHoldings } from './holdings';
import { getHost } from './hosts';
import { checkLabel } from './labels';
import { fromNowSql } from './ranges';
import type { ProjectRow } from './tables/projects';
import { transact } from './transact';

export async function createProject(db: Kysely<Database>, name: string): Promise<ProjectRow> {
  checkLabel('project', name);
  try {
    return await db.insertInto('projects').values({ name }).returningAll().executeTakeFirstOrThrow();
  } catch (err) {
    if (pgCode(err) === PG_UNIQUE_VIOLATION) throw new DuplicateError(`Project ${name} already exists.`, { project: name });
    throw err;
  }
}

export async function getProject(db: Kysely<Database>, name: string): Promise<ProjectRow> {
  const project = await db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
  if (!project) throw new NotFoundError(`Project ${name} does not exist.`, { project: name });
  return project;
}

export async function listProjects(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('projects').select('name').orderBy('name').execute()).map((p) => p.name);
}

/** HIL: a project with nodes, networks, or access to networks cannot be deleted. */
export async function deleteProject(db: Kysely<Database>, name: string): Promise<void> {
  await transact(db, async (trx) => {
    const project = await getProject(trx, name);
    const node = await trx.selectFrom('host_allocations').select('id').where('project_id', '=', project.id).executeTakeFirst();
    if (node) throw new BlockedError('Project has nodes still', { project: name });
    const owned = await trx.selectFrom('networks').select('id').where('owner_project_id', '=', project.id).executeTakeFirst();
    if (owned) throw new BlockedError('Project still has networks', { project: name });
    const access = await trx.selectFrom('network_access').select('network_id').where('project_id', '=', project.id).executeTakeFirst();
    if (access) throw new BlockedError('Project can still access networks', { project: name });
    await trx.deleteFrom('projects').where('id', '=', project.id).execute();
  });
}

/**
 * HIL's connect_node: the project holds the node from now on, with no end. The
 * exclusion constraint refuses it while a booking or another project holds the
 * node now or later. `authorize` runs once the project is known (HIL's order: not found, then authorization).
 */
/**
 * A project takes a node from now on. `bounded` (a caller who is not an administrator): the hold
 * ends at the lab's maximum lease, like a booking's, and connecting the node again in the second half of
 * the lease renews it (earlier, a repeat is HIL's 409 as before);
 * administrators' holds stay open-ended (maintenance).
 */
export async function connectNode(db: Kysely<Database>, projectName: string, node: string, authorize?: (project: string) => void, options: { bounded?: boolean } = {}): Promise<void> {
  await transact(db, async (trx) => {
    const project = await getProject(trx, projectName);
    authorize?.(project.name);
    const host = await getHost(trx, node);
    if (host.state !== 'available') throw new BlockedError(`Node ${node} is in ${host.state}`, { node });
    const lab = options.bounded ? await trx.selectFrom('labs').select('max_lease_hours').where('id', '=', host.lab_id).executeTakeFirstOrThrow() : null;
    const during = lab ? sql<string>`tstzrange(now(), now() + ${lab.max_lease_hours} * interval '1 hour', '[)')` : fromNowSql();
    const row = await trx
      .insertInto('host_allocations')
      .values({ host_id: host.id, project_id: project.id, during })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) return;
    if (lab) {
      // Renewal: the project's own bounded hold moves its end to a full lease from now (if nothing else is booked then).
      const until = sql<string>`now() + ${lab.max_lease_hours} * interval '1 hour'`;
      const clash = await trx
        .selectFrom('host_allocations')
        .select('booking_id')
        .where('host_id', '=', host.id)
        .where((eb) => eb.or([eb('project_id', 'is', null), eb('project_id', '!=', project.id)]))
        .where(sql<boolean>`during && tstzrange(now(), ${until}, '[)')`)
        .executeTakeFirst();
      const renewed = clash
        ? undefined
        : await trx
            .updateTable('host_allocations')
            .set({ during: sql<string>`tstzrange(lower(during), ${until}, '[)')` })
            .where('host_id', '=', host.id)
            .where('project_id', '=', project.id)
            // Renewable in the second half of the lease; before that a repeat is HIL's 409 (already owned).
            .where(sql<boolean>`upper(during) > now() AND upper(during) - now() < ${lab.max_lease_hours} * interval '30 minutes'`)
            .returning('id')
            .executeTakeFirst();
      if (renewed) return;
    }
    const held = (await hostHoldings(trx, host.id))[0];
    if (!held || held.project) throw new BlockedError('Node is already owned by a project.', { node });
    throw new BlockedError(`Node ${node} is booked (booking ${held.bookingId}) from ${held.start.toISOString()}`, { node, bookingId: held.bookingId });
  });
}

export async function detachNode(db: Kysely<Database>, projectName: string, node: string, authorize?: (project: string) => void): Promise<void> {
  await transact(db, async (trx) => {
    const project = await getProject(trx, projectName);
    authorize?.(project.name);
    const host = await getHost(trx, node);
    const holding = await trx.selectFrom('host_allocations').select('id').where('host_id', '=', host.id).where('project_id', '=', project.id).executeTakeFirst();
    if (!holding) throw new NotFoundError('Node not in project', { node, project: projectName });
    const attached = await trx
      .selectFrom('network_attachments as a')
      .innerJoin('nics', 'nics.id', 'a.nic_id')
      .select('a.id')
      .where('nics.host_id', '=', host.id)
      .executeTakeFirst();
    if (attached) throw new BlockedError('Node attached to a network', { node });
    const pending = await trx
      .selectFrom('networking_actions as n')
      .innerJoin('nics', 'nics.id', 'n.nic_id')
      .select('n.id')
      .where('nics.host_id', '=', host.id)
      .where('n.status', '=', 'PENDING')
      .executeTakeFirst();
    if (pending) throw new BlockedError('Node has pending network actions', { node });
    await trx.deleteFrom('host_allocations').where('id', '=', holding.id).execute();
  });
}

export async function projectNodes(db: Kysely<Database>, projectName: string): Promise<string[]> {
  const project = await getProject(db, projectName);
  const rows = await db
    .selectFrom('host_allocations as a')
    .innerJoin('hosts', 'hosts.id', 'a.host_id')
    .select('hosts.name')
    .where('a.project_id', '=', project.id)
    .orderBy('hosts.name')
    .execute();
  return rows.map((r) => r.name);
}

/** Networks the project is on the access list of (a project's own networks always are). */
export async function projectNetworks(db: Kysely<Database>, projectName: string): Promise<string[]> {
  const project = await getProject(db, projectName);
  const rows = await db
    .selectFrom('network_access as a')
    .innerJoin('networks', 'networks.id', 'a.network_id')
    .select('networks.name')
    .where('a.project_id', '=', project.id)
    .orderBy('networks.name')
    .execute();
  return rows.map((r) => r.name);
}
