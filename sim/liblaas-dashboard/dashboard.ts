import { LiblaasClient, type Json } from './client';

/**
 * The LaaS 3.0 dashboard's side of liblaas (reference liblaas-api.md §1.4, §4): its own users and
 * bookings, and the pages and Celery tasks that call liblaas, in the order and with the parsing
 * the real dashboard uses. A page the real dashboard would answer with 500 throws PageError.
 */
export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Obj = Record<string, Json>;
const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
/** A field as Python's str() of a JSON scalar would show it. */
const str = (v: Json | undefined): string => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

export interface DashboardUser {
  name: string;
  email: string;
  ipa: string | null;
}

export interface DashboardBooking {
  id: number;
  owner: DashboardUser;
  collaborators: string[];
  aggregateId: string;
  complete: boolean;
  start: Date;
  end: Date;
  purpose: string;
  project: string;
  details: string;
}

export type HostLight = 'success' | 'fail' | 'spinner';

export interface Poll {
  ready: boolean;
  lights: Record<string, HostLight>;
  power: Record<string, string | null>;
  /** The browser loop threw (e.g. assigned_host_info null) and stopped for this poll. */
  browserError: string | null;
}

export class SimDashboard {
  readonly api: LiblaasClient;
  readonly bookings: DashboardBooking[] = [];
  private nextId = 1;

  constructor(
    base: string,
    /** The dashboard's PROJECT (sent as {project}, origin, metadata.lab, lab_name). */
    readonly project: string,
    headers: Record<string, string> = {},
  ) {
    this.api = new LiblaasClient(base, headers);
  }

  /** Landing page while no IPA account is linked (§1.4.1). */
  async landing(user: DashboardUser): Promise<'linked' | 'new' | 'conflict'> {
    if (user.ipa) return 'linked';
    const found = await this.api.user(user.name);
    if (found === null) return 'new';
    // The real page reads ipa_user["mail"]: a JSON object without it would crash the page.
    if (!isObj(found) || !('mail' in found)) throw new PageError(500, `user answer without mail: ${JSON.stringify(found)}`);
    if (found.mail === user.email) {
      user.ipa = user.name;
      return 'linked';
    }
    return 'conflict';
  }

  /** The "create account" modal: a name of one's own when the dashboard name is taken (conflict). */
  async createAccount(user: DashboardUser, form: { givenname: string; sn: string; company: string; uid?: string }): Promise<boolean> {
    const uid = form.uid ?? user.name;
    if (form.uid && (await this.api.user(uid)) !== null) return false;
    const ok = await this.api.userCreate({ uid, givenname: form.givenname, sn: form.sn, ou: form.company, mail: user.email, random: true });
    if (ok) user.ipa = uid;
    return ok;
  }

  /** Book page (§1.4.2): prerequisites, templates (server side, then the browser), flavors, availability. */
  async bookPage(user: DashboardUser) {
    const ipa = this.ipaOf(user);
    const u = await this.api.user(ipa);
    const missing: string[] = [];
    if (!isObj(u) || !u.ou) missing.push('company');
    if (!isObj(u) || !arr(u.ipasshpubkey).length) missing.push('ssh');
    const server = await this.api.templates(this.project, ipa);
    if (!Array.isArray(server) || server.length === 0) throw new PageError(500, 'no templates: the book page fails');
    const templates = arr(await this.api.templates(this.project, ipa)).filter(isObj);
    const flavors = arr(await this.api.flavors(this.project)).filter(isObj);
    const byId = new Map(flavors.map((f) => [f.flavor_id as string, f]));
    const availability = new Map<string, number>();
    for (const t of [...templates].sort((a, b) => str(a.id).localeCompare(str(b.id)))) {
      const counts = new Map<string, number>();
      for (const h of arr(t.host_list).filter(isObj)) counts.set(h.flavor as string, (counts.get(h.flavor as string) ?? 0) + 1);
      let min = Infinity;
      for (const [f, n] of counts) {
        const flavor = byId.get(f);
        if (!flavor) throw new PageError(500, `template ${str(t.id)} uses flavor ${f} missing from the flavor list`);
        min = Math.min(min, Math.floor((flavor.available_count as number) / n));
      }
      availability.set(t.id as string, min);
    }
    return { missing, templates, flavors, availability };
  }

  /** The prerequisite modal: company and SSH keys on the IPA account. */
  async fixPrerequisites(user: DashboardUser, fix: { company?: string; keys?: string[] }): Promise<boolean> {
    const ipa = this.ipaOf(user);
    let ok = true;
    if (fix.company !== undefined) ok = (await this.api.setCompany(ipa, fix.company)) && ok;
    if (fix.keys !== undefined) ok = (await this.api.setSsh(ipa, fix.keys)) && ok;
    return ok;
  }

  /** Create (§1.4.3): user/many for the collaborators, the Booking row, booking/create. */
  async book(owner: DashboardUser, form: { templateId: string; collaborators: DashboardUser[]; purpose: string; project: string; details: string; length: number }) {
    const collabs = form.collaborators.map((c) => this.ipaOf(c));
    const many = await this.api.users(collabs);
    // `for a in None` raises: booking create answers 500.
    if (!Array.isArray(many)) throw new PageError(500, 'user/many failed');
    const warnings = many.filter(isObj).filter((a) => !('ipasshpubkey' in a)).map((a) => `${str(a.uid)} has no SSH key`);
    const start = new Date();
    const row: DashboardBooking = {
      id: this.nextId++,
      owner,
      collaborators: collabs,
      aggregateId: '',
      complete: false,
      start,
      end: new Date(start.getTime() + form.length * 86_400_000),
      purpose: form.purpose,
      project: form.project,
      details: form.details,
    };
    this.bookings.push(row);
    const ownerIpa = this.ipaOf(owner);
    const agg = await this.api.bookingCreate({
      template_id: form.templateId,
      allowed_users: [...collabs, ownerIpa],
      global_cifile: '',
      metadata: { booking_id: String(row.id), owner: ownerIpa, lab: this.project, purpose: form.purpose, project: form.project, details: form.details, length: form.length },
      origin: this.project,
    });
    if (typeof agg !== 'string' || !agg || agg.length > 36) {
      this.bookings.splice(this.bookings.indexOf(row), 1);
      throw new PageError(500, 'The selected resources for this booking are unavailable');
    }
    row.aggregateId = agg;
    return { bookingId: row.id, warnings };
  }

  booking(id: number): DashboardBooking {
    const b = this.bookings.find((x) => x.id === id);
    if (!b) throw new PageError(404, `no booking ${id}`);
    return b;
  }

  private ipaOf(u: DashboardUser): string {
    if (!u.ipa) throw new PageError(500, `${u.name} has no linked IPA account`);
    return u.ipa;
  }
}
