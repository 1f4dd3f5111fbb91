import { ApiError } from '../errors';

/** A user of the lab as the API knows it: its name, whether it administers, its projects. */
export interface Member {
  name: string;
  isAdmin: boolean;
  projects: ReadonlySet<string>;
}

/**
 * Who is calling the booking API.
 * - `admin`: the configured LAAS_API_TOKEN, or the token of a user who is an administrator.
 * - `user`: a user's token; sees and changes its projects' bookings only.
 * - `dashboard`: a dashboard's token, bound to one lab; acts for any user of that lab — the one
 *   named by `X-On-Behalf-Of`, else (on create) the booking's owner.
 */
export type Principal =
  | { kind: 'admin'; name: string; tokenId: number | null }
  | { kind: 'user'; name: string; tokenId: number; member: Member }
  | { kind: 'dashboard'; name: string; tokenId: number; lab: string; actingFor: Member | null };

/** The projects whose bookings the caller may see and change; `all` for administrators and a dashboard acting for its lab. */
export function projectScope(p: Principal): ReadonlySet<string> | 'all' {
  if (p.kind === 'admin') return 'all';
  if (p.kind === 'user') return p.member.projects;
  return p.actingFor ? p.actingFor.projects : 'all';
}

export function inScope(p: Principal, project: string | undefined): boolean {
  const scope = projectScope(p);
  if (scope === 'all') return true;
  return project !== undefined && scope.has(project);
}

/** The user a request acts as, when there is one (a user, or a dashboard acting for someone). */
export function actingUser(p: Principal): Member | null {
  if (p.kind === 'user') return p.member;
  if (p.kind === 'dashboard') return p.actingFor;
  return null;
}

/**
 * Who may create a booking of `project` for `owner`. Administrators: anyone. A user books for
 * itself in its projects. A dashboard books for the user it acts for, or for the booking's owner,
 * who must then be a user of the lab and a member of the project.
 */
export function checkCreate(p: Principal, project: string, owner: string, ownerAsMember: Member | null): void {
  if (p.kind === 'admin') return;
  const acting = actingUser(p) ?? ownerAsMember;
  if (!acting) throw new ApiError(403, 'UnknownUser', `owner ${owner} is not a user of this lab`);
  if (acting.name !== owner) {
    throw new ApiError(403, 'OwnerMismatch', `this request acts for ${acting.name}, so the booking's owner must be ${acting.name}, not ${owner}`);
  }
  if (!acting.projects.has(project)) throw new ApiError(403, 'NotAMember', `${acting.name} is not a member of project ${project}`);
}

/** Operators' decisions (retry a held booking, run failed undos again) are administrators' only. */
export function requireOperator(p: Principal): void {
  if (p.kind !== 'admin') throw new ApiError(403, 'OperatorsOnly', 'only an administrator may retry a booking or its cleanup');
}

/** What the audit records as the actor. */
export function actorOf(p: Principal): { actor: string; actorKind: Principal['kind']; tokenId: number | null; onBehalfOf: string | null } {
  return { actor: p.name, actorKind: p.kind, tokenId: p.tokenId, onBehalfOf: p.kind === 'dashboard' ? (p.actingFor?.name ?? null) : null };
}
