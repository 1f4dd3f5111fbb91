import type { Kysely } from 'kysely';
import type { Database } from './database';
import { BadArgumentError, BlockedError, DuplicateError, NotFoundError, pgCode, PG_UNIQUE_VIOLATION } from './errors';
import { getHost } from './hosts';
import { hostHoldings } from './holdings';
import { checkAddress, checkLabel, checkPortLabel } from './labels';
import { ensureLab } from './labs';
import { getNic } from './nics';
import type { PortRow } from './tables/ports';
import type { SwitchRow, SwitchType } from './tables/switches';
import { transact } from './transact';

export const SWITCH_TYPES: readonly SwitchType[] = ['nxos', 'nxapi', 'os10', 'ovs', 'sim', 'delln3000', 'powerconnect55xx', 'dellnos9', 'brocade'];

const HIL_URI = /^http:\/\/schema\.massopencloud\.org\/(?:haas|hil)\/v0\/switches\/([a-z0-9]+)$/;

// HIL's switch drivers by the last part of their type URI (hil-clients.md §8); `mock` is the simulated switch.
const HIL_SWITCH_TYPES: Record<string, SwitchType> = { nexus: 'nxos', ovs: 'ovs', mock: 'sim', delln3000: 'delln3000', powerconnect55xx: 'powerconnect55xx', dellnos9: 'dellnos9', brocade: 'brocade' };

/** Our switch type for a type name or one of HIL's type URIs. */
export function switchType(type: string): SwitchType {
  const hil = HIL_URI.exec(type)?.[1];
  const resolved = (SWITCH_TYPES as readonly string[]).includes(type) ? (type as SwitchType) : hil === undefined ? undefined : HIL_SWITCH_TYPES[hil];
  if (!resolved) {
    throw new BadArgumentError(`${JSON.stringify(type)} is not a valid switch type (one of ${SWITCH_TYPES.join(', ')}, or HIL's ${Object.keys(HIL_SWITCH_TYPES).join(', ')})`, { what: 'type' });
  }
  return resolved;
}

export interface NewSwitch {
  lab: string;
  name: string;
  type: SwitchType;
  address: string;
  port?: number | null;
  /** Driver options that are not secret. */
  options?: Record<string, string>;
  credential?: string | null;
}

export async function registerSwitch(db: Kysely<Database>, sw: NewSwitch): Promise<SwitchRow> {
  checkLabel('switch', sw.name);
  checkAddress('switch address', sw.address);
  if (sw.port != null && (!Number.isInteger(sw.port) || sw.port < 1 || sw.port > 65535)) {
    throw new BadArgumentError('switch port must be an integer from 1 to 65535', { what: 'port' });
  }
  const lab = await ensureLab(db, sw.lab);
  try {
    return await db
      .insertInto('switches')
      .values({
        lab_id: lab.id,
        name: sw.name,
        type: sw.type,
        address: sw.address,
        port: sw.port ?? null,
        options: JSON.stringify(sw.options ?? {}),
        credential: sw.credential ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (err) {
    if (pgCode(err) === PG_UNIQUE_VIOLATION) throw new DuplicateError(`Switch ${sw.name} already exists.`, { switch: sw.name });
    throw err;
  }
}

export async function getSwitch(db: Kysely<Database>, name: string): Promise<SwitchRow> {
  const sw = await db.selectFrom('switches').selectAll().where('name', '=', name).executeTakeFirst();
  if (!sw) throw new NotFoundError(`Switch ${name} does not exist.`, { switch: name });
  return sw;
}

export async function listSwitches(db: Kysely<Database>): Promise<(SwitchRow & { lab: string })[]> {
  return db.selectFrom('switches').innerJoin('labs', 'labs.id', 'switches.lab_id').selectAll('switches').select('labs.name as lab').orderBy('switches.name').execute();
}

export async function listPorts(db: Kysely<Database>, switchName: string): Promise<string[]> {
  const sw = await getSwitch(db, switchName);
  const ports = await db.selectFrom('ports').select('label').where('switch_id', '=', sw.id).orderBy('label').execute();
  return ports.map((p) => p.label);
}

/** Returns the switch's credential name so the caller can drop it with the switch. */
export async function deleteSwitch(db: Kysely<Database>, name: string): Promise<{ credential: string | null }> {
  return transact(db, async (trx) => {
    const sw = await getSwitch(trx, name);
    const port = await trx.selectFrom('ports').select('id').where('switch_id', '=', sw.id).executeTakeFirst();
    if (port) throw new BlockedError(`Switch ${name} has ports; delete them first.`, { switch: name });
    await trx.deleteFrom('switches').where('id', '=', sw.id).execute();
    return { credential: sw.credential };
  });
}

export async function registerPort(db: Kysely<Database>, switchName: string, label: string): Promise<PortRow> {
  checkPortLabel(label);
  return transact(db, async (trx) => {
    const sw = await getSwitch(trx, switchName);
    const row = await trx
      .insertInto('ports')
      .values({ switch_id: sw.id, label })
      .onConflict((oc) => oc.columns(['switch_id', 'label']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new DuplicateError(`Port ${label} on Switch ${switchName} already exists`, { switch: switchName, port: label });
    return row;
  });
}

export async function getPort(db: Kysely<Database>, switchName: string, label: string): Promise<PortRow & { switchType: SwitchType }> {
  const sw = await getSwitch(db, switchName);
  const port = await db.selectFrom('ports').selectAll().where('switch_id', '=', sw.id).where('label', '=', label).executeTakeFirst();
  if (!port) throw new NotFoundError(`Port ${label} on Switch ${switchName} does not exist.`, { switch: switchName, port: label });
  return { ...port, switchType: sw.type };
}

export async function deletePort(db: Kysely<Database>, switchName: string, label: string): Promise<void> {
  await transact(db, async (trx) => {
    const port = await getPort(trx, switchName, label);
    if (port.nic_id !== null) throw new BlockedError(`Port ${label} is attached to a nic; please detach it first.`, { switch: switchName, port: label });
    await trx.deleteFrom('ports').where('id', '=', port.id).execute();
  });
}

/** HIL's `GET /switch/<s>/port/<p>`: `{}` for an uncabled port. */
export async function showPort(db: Kysely<Database>, switchName: string, label: string): Promise<{ node?: string; nic?: string; networks?: Record<string, string> }> {
  const port = await getPort(db, switchName, label);
  if (port.nic_id === null) return {};
  const nic = await db.selectFrom('nics').innerJoin('hosts', 'hosts.id', 'nics.host_id').select(['nics.label', 'hosts.name']).where('nics.id', '=', port.nic_id).executeTakeFirstOrThrow();
  const attachments = await db
    .selectFrom('network_attachments as a')
    .innerJoin('networks', 'networks.id', 'a.network_id')
    .select(['a.channel', 'networks.name'])
    .where('a.nic_id', '=', port.nic_id)
    .execute();
  return { node: nic.name, nic: nic.label, networks: Object.fromEntries(attachments.map((a) => [a.channel, a.name])) };
}

/** Records which NIC is cabled to which port; each side has at most one partner. */
export async function connectNic(db: Kysely<Database>, switchName: string, label: string, node: string, nicLabel: string): Promise<void> {
  await transact(db, async (trx) => {
    const port = await getPort(trx, switchName, label);
    const nic = await getNic(trx, node, nicLabel);
    const cabled = await trx.selectFrom('ports').select('label').where('nic_id', '=', nic.id).executeTakeFirst();
    if (cabled) throw new DuplicateError(`Nic ${nicLabel} on Node ${node} is already connected to port ${cabled.label}`, { node, nic: nicLabel });
    if (port.nic_id !== null) throw new DuplicateError(`Port ${label} on Switch ${switchName} is already connected to a nic`, { switch: switchName, port: label });
    try {
      await trx.updateTable('ports').set({ nic_id: nic.id }).where('id', '=', port.id).execute();
    } catch (err) {
      // Two administrators cabling the same NIC at once: the unique nic_id decides.
      if (pgCode(err) === PG_UNIQUE_VIOLATION) throw new DuplicateError(`Nic ${nicLabel} on Node ${node} is already connected`, { node, nic: nicLabel });
      throw err;
    }
  });
}

/** HIL: only a free node's NIC may be uncabled (its port may carry a project's VLANs). */
export async function detachNic(db: Kysely<Database>, switchName: string, label: string): Promise<void> {
  await transact(db, async (trx) => {
    const port = await getPort(trx, switchName, label);
    if (port.nic_id === null) throw new NotFoundError(`${label} not attached`, { switch: switchName, port: label });
    const nic = await trx.selectFrom('nics').select(['host_id']).where('id', '=', port.nic_id).executeTakeFirstOrThrow();
    const held = await hostHoldings(trx, nic.host_id);
    if (held.length) throw new BlockedError('The port is attached to a node which is not free', { switch: switchName, port: label });
    await trx.updateTable('ports').set({ nic_id: null }).where('id', '=', port.id).execute();
  });
}

/** Re-exported for callers that start from a host: its NIC's port and switch. */
export async function nicPort(db: Kysely<Database>, node: string, nicLabel: string): Promise<{ port: string; switch: string; switchType: SwitchType } | null> {
  const host = await getHost(db, node);
  const row = await db
    .selectFrom('nics')
    .innerJoin('ports', 'ports.nic_id', 'nics.id')
    .innerJoin('switches', 'switches.id', 'ports.switch_id')
    .select(['ports.label as port', 'switches.name as switch', 'switches.type as switchType'])
    .where('nics.host_id', '=', host.id)
    .where('nics.label', '=', nicLabel)
    .executeTakeFirst();
  return row ?? null;
}
