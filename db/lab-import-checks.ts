import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import type { LabPlan, PlanHost } from './lab-plan';

/** A NIC of a host the file describes, as the inventory has it now. */
interface CurrentNic {
  host: string;
  label: string;
  switchName: string | null;
  port: string | null;
  onNetwork: boolean;
}

/**
 * Everything in the file that the inventory cannot take as it stands, each with its
 * path in the file. Found before anything is written, so a refused file changes nothing.
 */
export async function checkAgainstInventory(trx: Kysely<Database>, plan: LabPlan): Promise<string[]> {
  const problems: string[] = [];
  const lab = await trx.selectFrom('labs').select('id').where('name', '=', plan.lab.name).executeTakeFirst();
  problems.push(...(await otherLabs(trx, plan)));
  if (lab && plan.vlanPool) problems.push(...(await heldVlans(trx, lab.id, plan.vlanPool)));
  if (!plan.hosts.length) return problems;

  const names = plan.hosts.map((h) => h.name);
  const current = await currentNics(trx, names);
  const inUse = await hostsInUse(trx, names);
  for (const h of plan.hosts) problems.push(...nicProblems(h, current.filter((n) => n.host === h.name), inUse.get(h.name)));
  problems.push(...(await portsOfUndescribedHosts(trx, plan)));
  return problems;
}

async function otherLabs(trx: Kysely<Database>, plan: LabPlan): Promise<string[]> {
  const problems: string[] = [];
  const elsewhere = async (table: 'switches' | 'hosts', name: string) =>
    trx.selectFrom(table).innerJoin('labs', 'labs.id', `${table}.lab_id`).select('labs.name').where(`${table}.name`, '=', name).where('labs.name', '!=', plan.lab.name).executeTakeFirst();
  for (const s of plan.switches) {
    const other = await elsewhere('switches', s.name);
    if (other) problems.push(`${s.path}: switch ${s.name} already belongs to lab ${other.name}`);
  }
  for (const h of plan.hosts) {
    const other = await elsewhere('hosts', h.name);
    if (other) problems.push(`${h.path}.name: host ${h.name} already belongs to lab ${other.name}`);
  }
  return problems;
}

async function heldVlans(trx: Kysely<Database>, labId: number, pool: number[]): Promise<string[]> {
  const keep = new Set(pool);
  const held = await trx
    .selectFrom('vlan_pool as p')
    .innerJoin('vlan_allocations as a', 'a.vlan_pool_id', 'p.id')
    .select(['p.vlan', 'a.booking_id'])
    .where('p.lab_id', '=', labId)
    .orderBy('p.vlan')
    .execute();
  return held
    .filter((x) => !keep.has(x.vlan))
    .map((h) => `vlanPool: VLAN ${h.vlan} is held by ${h.booking_id ? `booking ${h.booking_id}` : 'a network'}; it cannot leave the pool yet`);
}

async function currentNics(trx: Kysely<Database>, hosts: string[]): Promise<CurrentNic[]> {
  const rows = await trx
    .selectFrom('nics')
    .innerJoin('hosts', 'hosts.id', 'nics.host_id')
    .leftJoin('ports', 'ports.nic_id', 'nics.id')
    .leftJoin('switches', 'switches.id', 'ports.switch_id')
    .select((eb) => [
      'hosts.name as host',
      'nics.label',
      'switches.name as switchName',
      'ports.label as port',
      eb.exists(eb.selectFrom('network_attachments as a').select(sql`1`.as('one')).whereRef('a.nic_id', '=', 'nics.id')).as('onNetwork'),
    ])
    .where('hosts.name', 'in', hosts)
    .execute();
  return rows.map((r) => ({ ...r, onNetwork: Boolean(r.onNetwork) }));
}

/**
 * Hosts whose holder has started with them: a booking past its start, or a HIL project.
 * Their steps find ports through the inventory when they undo, so a NIC moved or removed
 * under them would leave the port they configured on the booking's VLANs. (Release deletes
 * the holding, so every row left that has started is still in use; a booking yet to start
 * reads the new cabling when it does.)
 */
async function hostsInUse(trx: Kysely<Database>, hosts: string[]): Promise<Map<string, string>> {
  const rows = await trx
    .selectFrom('host_allocations as a')
    .innerJoin('hosts', 'hosts.id', 'a.host_id')
    .leftJoin('projects', 'projects.id', 'a.project_id')
    .select(['hosts.name as host', 'a.booking_id', 'projects.name as project'])
    .where('hosts.name', 'in', hosts)
    .where(sql<boolean>`lower(a.during) <= now()`)
    .execute();
  return new Map(rows.map((r) => [r.host, r.booking_id ? `booking ${r.booking_id}` : `project ${r.project ?? '?'}`]));
}

function nicProblems(h: PlanHost, nics: CurrentNic[], holder: string | undefined): string[] {
  const problems: string[] = [];
  for (const n of nics) {
    const wanted = h.nics.find((p) => p.label === n.label);
    const cabled = n.port === null ? 'not cabled' : `cabled to ${n.switchName} ${n.port}`;
    if (!wanted) {
      if (n.onNetwork) problems.push(`${h.path}.nics: NIC ${n.label} is on a network; detach it before removing it from the file`);
      else if (holder) problems.push(`${h.path}.nics: NIC ${n.label} cannot be removed while host ${h.name} is in use by ${holder}`);
      continue;
    }
    // A NIC that was not cabled configured no port, so cabling it now is safe.
    if (n.port === null || (n.switchName === wanted.switch && n.port === wanted.port)) continue;
    if (n.onNetwork) problems.push(`${wanted.path}.port: NIC ${n.label} is on a network while ${cabled}; detach it before moving its cable`);
    else if (holder) problems.push(`${wanted.path}.port: NIC ${n.label} is ${cabled} and in use by ${holder}; it can move to ${wanted.switch} ${wanted.port} once that ends`);
  }
  return problems;
}

/** A port the file cables that holds a NIC of a host the file does not describe: whose cable is wrong is for a person to say. */
async function portsOfUndescribedHosts(trx: Kysely<Database>, plan: LabPlan): Promise<string[]> {
  const problems: string[] = [];
  const planned = new Set(plan.hosts.map((h) => h.name));
  for (const n of plan.hosts.flatMap((h) => h.nics)) {
    const cabled = await trx
      .selectFrom('ports')
      .innerJoin('switches', 'switches.id', 'ports.switch_id')
      .innerJoin('nics', 'nics.id', 'ports.nic_id')
      .innerJoin('hosts', 'hosts.id', 'nics.host_id')
      .select(['hosts.name as host', 'nics.label as nic'])
      .where('switches.name', '=', n.switch)
      .where('ports.label', '=', n.port)
      .executeTakeFirst();
    if (cabled && !planned.has(cabled.host)) problems.push(`${n.path}.port: port ${n.port} of switch ${n.switch} is cabled to NIC ${cabled.nic} of host ${cabled.host}, which the file does not describe`);
  }
  return problems;
}
