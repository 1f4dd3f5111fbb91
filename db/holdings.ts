import { sql, type Kysely } from 'kysely';
import type { Database } from './database';

export interface HostHolding {
  project: string | null;
  bookingId: string | null;
  start: Date;
  end: Date | null;
}

/** Who holds the host now or later (ended holdings do not count). */
export async function hostHoldings(db: Kysely<Database>, hostId: number): Promise<HostHolding[]> {
  return db
    .selectFrom('host_allocations as a')
    .leftJoin('projects', 'projects.id', 'a.project_id')
    .select(['projects.name as project', 'a.booking_id as bookingId', sql<Date>`lower(a.during)`.as('start'), sql<Date | null>`upper(a.during)`.as('end')])
    .where('a.host_id', '=', hostId)
    .where(sql<boolean>`(upper_inf(a.during) or upper(a.during) > now())`)
    .orderBy(sql`lower(a.during)`)
    .execute();
}

/** The HIL project a host is connected to, if any (a project holds a host from connect to detach). */
export async function hostProject(db: Kysely<Database>, hostId: number): Promise<string | null> {
  const row = await db
    .selectFrom('host_allocations as a')
    .innerJoin('projects', 'projects.id', 'a.project_id')
    .select('projects.name')
    .where('a.host_id', '=', hostId)
    .executeTakeFirst();
  return row?.name ?? null;
}
