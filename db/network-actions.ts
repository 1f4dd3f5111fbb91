import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import { BadArgumentError, BlockedError, IllegalStateError, NotFoundError, pgCode, PG_UNIQUE_VIOLATION, ProjectMismatchError } from './errors';
import { hostProject } from './holdings';
import { getNetwork } from './networks';
import { getNic } from './nics';
import { getPort } from './switches';
import type { NetworkingActionRow, NetworkingActionType } from './tables/networking-actions';
import type { SwitchType } from './tables/switches';
import { transact } from './transact';

/**
 * HIL's networking actions: the API records a wanted switch-port change as
 * PENDING and answers at once; a workflow carries it out and finishes it DONE
 * (the attachment then changes here) or ERROR (nothing changes). One action per
 * NIC is in flight at a time (a partial unique index).
 */
export interface NetworkActionView {
  status: 'PENDING' | 'DONE' | 'ERROR';
  node: string;
  nic: string;
  type: NetworkingActionType;
  channel: string;
  new_network: string | null;
}

const NATIVE = 'vlan/native';
const CHANNEL = /^vlan\/(native|[0-9]{1,4})$/;

export interface StartNetworkAction {
  type: NetworkingActionType;
  nicId: number;
  node: string;
  nic: string;
  channel: string;
  network: { id: number; name: string } | null;
}

/** Records a PENDING action; refused with BlockedError while the NIC has one in flight. */
export async function startNetworkAction(db: Kysely<Database>, a: StartNetworkAction): Promise<string> {
  try {
    const row = await db
      .insertInto('networking_actions')
      .values({ type: a.type, nic_id: a.nicId, node: a.node, nic: a.nic, channel: a.channel, new_network_id: a.network?.id ?? null, new_network: a.network?.name ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  } catch (err) {
    if (pgCode(err) === PG_UNIQUE_VIOLATION) throw new BlockedError('A networking operation is already active on the nic.', { node: a.node, nic: a.nic });
    throw err;
  }
}

async function pendingOn(db: Kysely<Database>, nicId: number): Promise<boolean> {
  return (await db.selectFrom('networking_actions').select('id').where('nic_id', '=', nicId).where('status', '=', 'PENDING').executeTakeFirst()) !== undefined;
}

/** HIL's connect_network, checks in HIL's order; `authorize` sees the node's project. */
export async function requestConnectNetwork(
  db: Kysely<Database>,
  r: { node: string; nic: string; network: string; channel?: string | undefined },
  authorize?: (project: string) => void,
): Promise<string> {
  return transact(db, async (trx) => {
    const nic = await getNic(trx, r.node, r.nic);
    const network = await getNetwork(trx, r.network);
    const project = await hostProject(trx, nic.host_id);
    if (!project) throw new ProjectMismatchError('Node not in project', { node: r.node });
    authorize?.(project);
    const port = await trx.selectFrom('ports').select('id').where('nic_id', '=', nic.id).executeTakeFirst();
    if (!port) throw new NotFoundError('No port is connected to given nic.', { node: r.node, nic: r.nic });
    if (await pendingOn(trx, nic.id)) throw new BlockedError('A networking operation is already active on the nic.', { node: r.node, nic: r.nic });
    if (!network.public) {
      const allowed = await trx
        .selectFrom('network_access')
        .innerJoin('projects', 'projects.id', 'network_access.project_id')
        .select('projects.name')
        .where('network_access.network_id', '=', network.id)
        .where('projects.name', '=', project)
        .executeTakeFirst();
      if (!allowed) throw new ProjectMismatchError('Project does not have access to given network.', { network: r.network, project });
    }
    const attachments = await trx.selectFrom('network_attachments').select(['network_id', 'channel']).where('nic_id', '=', nic.id).execute();
    if (attachments.some((a) => a.network_id === network.id)) throw new BlockedError('The network is already attached to the nic.', { network: r.network });
    const channel = r.channel ?? NATIVE;
    if (attachments.some((a) => a.channel === channel)) throw new BlockedError('The channel is already in use on the nic.', { channel });
    if (!CHANNEL.test(channel) || (channel !== NATIVE && channel !== `vlan/${network.vlan}`)) {
      throw new BadArgumentError(`Channel ${JSON.stringify(channel)} is not legal for this network (use ${NATIVE} or vlan/${network.vlan}).`, { channel });
    }
    return startNetworkAction(trx, { type: 'modify_port', nicId: nic.id, node: r.node, nic: r.nic, channel, network: { id: network.id, name: network.name } });
  });
}

export async function requestDetachNetwork(
  db: Kysely<Database>,
  r: { node: string; nic: string; network: string },
  authorize?: (project: string) => void,
): Promise<string> {
  return transact(db, async (trx) => {
    const network = await getNetwork(trx, r.network);
    const nic = await getNic(trx, r.node, r.nic);
    const project = await hostProject(trx, nic.host_id);
    if (!project) throw new ProjectMismatchError('Node not in project', { node: r.node });
    authorize?.(project);
    if (await pendingOn(trx, nic.id)) throw new BlockedError('A networking operation is already active on the nic.', { node: r.node, nic: r.nic });
    const attachment = await trx.selectFrom('network_attachments').select('channel').where('nic_id', '=', nic.id).where('network_id', '=', network.id).executeTakeFirst();
    if (!attachment) throw new BadArgumentError('The network is not attached to the nic.', { network: r.network });
    return startNetworkAction(trx, { type: 'modify_port', nicId: nic.id, node: r.node, nic: r.nic, channel: attachment.channel, network: null });
  });
}

/** HIL's port revert: take every network off the port's NIC. */
export async function requestPortRevert(db: Kysely<Database>, switchName: string, portLabel: string): Promise<string> {
  return transact(db, async (trx) => {
    const port = await getPort(trx, switchName, portLabel);
    if (port.nic_id === null) throw new NotFoundError(`${portLabel} not attached`, { switch: switchName, port: portLabel });
    const nic = await trx.selectFrom('nics').innerJoin('hosts', 'hosts.id', 'nics.host_id').select(['nics.id', 'nics.label', 'hosts.name']).where('nics.id', '=', port.nic_id).executeTakeFirstOrThrow();
    if (await pendingOn(trx, nic.id)) throw new BlockedError('Port already has a pending action.', { switch: switchName, port: portLabel });
    return startNetworkAction(trx, { type: 'revert_port', nicId: nic.id, node: nic.name, nic: nic.label, channel: '', network: null });
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function getAction(db: Kysely<Database>, id: string): Promise<NetworkingActionRow> {
  const row = UUID.test(id) ? await db.selectFrom('networking_actions').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`Networking action ${id} does not exist.`, { status_id: id });
  return row;
}

export async function getNetworkAction(db: Kysely<Database>, id: string): Promise<NetworkActionView> {
  const row = await getAction(db, id);
  return { status: row.status, node: row.node, nic: row.nic, type: row.type, channel: row.channel, new_network: row.new_network };
}

/** Everything a workflow needs to carry an action out on the switch. */
export interface NetworkActionPlan {
  id: string;
  type: NetworkingActionType;
  node: string;
  nic: string;
  channel: string;
  switch: string;
  switchType: SwitchType;
  port: string;
  /** The network to attach and its VLAN; null to detach `channel` (or, for revert_port, everything). */
  network: { name: string; vlan: number } | null;
  /** What the port carries before the change, as recorded. */
  current: { channel: string; network: string; vlan: number }[];
}

export async function networkActionPlan(db: Kysely<Database>, id: string): Promise<NetworkActionPlan> {
  const row = await getAction(db, id);
  if (row.status !== 'PENDING') throw new IllegalStateError(`Networking action ${id} is already ${row.status}`, { status_id: id });
  if (row.nic_id === null) throw new IllegalStateError(`Networking action ${id} lost its nic`, { status_id: id });
  const port = await db
    .selectFrom('ports')
    .innerJoin('switches', 'switches.id', 'ports.switch_id')
    .select(['ports.label as port', 'switches.name as switch', 'switches.type as switchType'])
    .where('ports.nic_id', '=', row.nic_id)
    .executeTakeFirst();
  if (!port) throw new IllegalStateError(`Networking action ${id}: nic ${row.nic} of ${row.node} is no longer cabled`, { status_id: id });
  const network = row.new_network_id === null ? null : await db.selectFrom('networks').select(['name', 'vlan']).where('id', '=', row.new_network_id).executeTakeFirst();
  const current = await db
    .selectFrom('network_attachments as a')
    .innerJoin('networks', 'networks.id', 'a.network_id')
    .select(['a.channel', 'networks.name as network', 'networks.vlan'])
    .where('a.nic_id', '=', row.nic_id)
    .orderBy('a.channel')
    .execute();
  return { id, type: row.type, node: row.node, nic: row.nic, channel: row.channel, ...port, network: network ?? null, current };
}

export async function listPendingNetworkActions(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('networking_actions').select('id').where('status', '=', 'PENDING').orderBy('created_at').execute();
  return rows.map((r) => r.id);
}

/**
 * Marks the action DONE (and records the new attachments) or ERROR (nothing
 * changes). Finishing again the same way is a no-op, so a retried activity is safe.
 */
export async function finishNetworkAction(db: Kysely<Database>, id: string, outcome: { ok: true } | { ok: false; error: string }): Promise<NetworkActionView> {
  return transact(db, async (trx) => {
    const row = await getAction(trx, id);
    const status = outcome.ok ? 'DONE' : 'ERROR';
    if (row.status === status) return getNetworkAction(trx, id);
    if (row.status !== 'PENDING') throw new IllegalStateError(`Networking action ${id} is already ${row.status}`, { status_id: id });
    if (outcome.ok && row.nic_id !== null) {
      if (row.type === 'revert_port') {
        await trx.deleteFrom('network_attachments').where('nic_id', '=', row.nic_id).execute();
      } else if (row.new_network_id === null) {
        await trx.deleteFrom('network_attachments').where('nic_id', '=', row.nic_id).where('channel', '=', row.channel).execute();
      } else {
        await trx.insertInto('network_attachments').values({ nic_id: row.nic_id, network_id: row.new_network_id, channel: row.channel }).execute();
      }
    }
    await trx
      .updateTable('networking_actions')
      .set({ status, error: outcome.ok ? null : outcome.error, finished_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
    return getNetworkAction(trx, id);
  });
}
