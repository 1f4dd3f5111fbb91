import type { Kysely } from 'kysely';
import type { Database } from './database';
import { BlockedError, DuplicateError, NotFoundError } from './errors';
import { hostHoldings } from './holdings';
import { getHost } from './hosts';
import { checkLabel, normalizeMac } from './labels';
import type { NicRow } from './tables/nics';
import { transact } from './transact';

export interface NewNic {
  mac?: string | null;
  busAddress?: string | null;
  osName?: string | null;
}

export async function registerNic(db: Kysely<Database>, node: string, label: string, nic: NewNic): Promise<NicRow> {
  checkLabel('nic', label);
  const mac = nic.mac ? normalizeMac(nic.mac) : null;
  return transact(db, async (trx) => {
    const host = await getHost(trx, node);
    const row = await trx
      .insertInto('nics')
      .values({ host_id: host.id, label, mac, bus_address: nic.busAddress ?? null, os_name: nic.osName ?? null })
      .onConflict((oc) => oc.columns(['host_id', 'label']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new DuplicateError(`Nic ${label} on Node ${node} already exists`, { node, nic: label });
    return row;
  });
}

export async function getNic(db: Kysely<Database>, node: string, label: string): Promise<NicRow & { node: string }> {
  const host = await getHost(db, node);
  const nic = await db.selectFrom('nics').selectAll().where('host_id', '=', host.id).where('label', '=', label).executeTakeFirst();
  if (!nic) throw new NotFoundError(`Nic ${label} on Node ${node} does not exist.`, { node, nic: label });
  return { ...nic, node };
}

/** A NIC on a network, or with a switch change in flight, cannot go: its port would keep VLANs nobody tracks. */
export async function deleteNic(db: Kysely<Database>, node: string, label: string): Promise<void> {
  await transact(db, async (trx) => {
    const nic = await getNic(trx, node, label);
    const attached = await trx.selectFrom('network_attachments').select('id').where('nic_id', '=', nic.id).executeTakeFirst();
    if (attached) throw new BlockedError(`Nic ${label} on Node ${node} is attached to a network; detach it first`, { node, nic: label });
    const pending = await trx.selectFrom('networking_actions').select('id').where('nic_id', '=', nic.id).where('status', '=', 'PENDING').executeTakeFirst();
    if (pending) throw new BlockedError(`Nic ${label} on Node ${node} has a pending networking action`, { node, nic: label });
    // A booking's undo finds the host's ports through its NICs: gone, its port would keep the booking's VLANs.
    const booked = (await hostHoldings(trx, nic.host_id)).find((h) => h.bookingId !== null && h.start.getTime() <= Date.now());
    if (booked) throw new BlockedError(`Nic ${label} on Node ${node} is in use by booking ${booked.bookingId}; delete it after the booking ends`, { node, nic: label });
    await trx.deleteFrom('nics').where('id', '=', nic.id).execute();
  });
}
