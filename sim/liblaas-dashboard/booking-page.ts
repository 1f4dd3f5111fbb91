import type { Json } from './client';
import { PageError, type DashboardBooking, type HostLight, type Poll, type SimDashboard } from './dashboard';

type Obj = Record<string, Json>;
const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
/** A field as Python's str() of a JSON scalar would show it. */
const str = (v: Json | undefined): string => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

/** What the dashboard makes of one instance's last log (§1.4.4): "Success" green, "Fail" red, else a spinner. */
export function lightOf(instance: Obj): HostLight {
  const last = arr(instance.logs).at(-1);
  const text = isObj(last) && typeof last.status === 'string' ? last.status : '';
  return text.includes('Success') ? 'success' : text.includes('Fail') ? 'fail' : 'spinner';
}

/** Detail page rendered on the server: status, the flavor list once per template host, getfqdn per instance. */
export async function detailPage(d: SimDashboard, id: number) {
  const b = d.booking(id);
  const status = await d.api.bookingStatus(b.aggregateId);
  if (!isObj(status)) throw new PageError(500, 'booking status is None');
  const template = status.template as Obj;
  const named: { hostname: string; flavor: string; image: string }[] = [];
  for (const h of arr(template.hosts).filter(isObj)) {
    const flavors = arr(await d.api.flavors(d.project)).filter(isObj);
    const flavor = flavors.find((f) => f.flavor_id === h.flavor);
    if (!flavor) throw new PageError(500, `flavor ${str(h.flavor)} is not in the flavor list`);
    const image = arr(flavor.images).filter(isObj).find((i) => i.image_id === h.image);
    named.push({ hostname: str(h.hostname), flavor: str(flavor.name), image: image ? str(image.name) : '' });
  }
  const fqdns: Record<string, string> = {};
  for (const inst of Object.values(status.instances as Obj).filter(isObj)) {
    if (!inst.host_alias) continue;
    const f = await d.api.getFqdn(inst.instance as string);
    if (isObj(f) && f.ipmi_fqdn) fqdns[inst.host_alias as string] = f.ipmi_fqdn as string;
  }
  return { status, hosts: named, fqdns, ipmi: status.config as Obj };
}

/** One 5-second poll of the page's browser script (relayed by the dashboard to booking/{agg}/status). */
export async function poll(d: SimDashboard, id: number): Promise<Poll> {
  const b = d.booking(id);
  const status = await d.api.bookingStatus(b.aggregateId);
  const result: Poll = { ready: false, lights: {}, power: {}, browserError: null };
  if (!isObj(status)) return { ...result, browserError: 'the poll relay answered 500' };
  const instances = Object.entries(status.instances as Obj);
  let done = 0;
  for (const [key, inst] of instances) {
    if (!isObj(inst) || inst.instance !== key) throw new PageError(500, `instance key ${key} differs from its instance`);
    if (!arr(inst.logs).length) return { ...result, browserError: `instance ${key} has no logs` };
    // The browser reads assigned_host_info.hostname: null throws and stops the loop for this poll.
    if (!isObj(inst.assigned_host_info)) return { ...result, browserError: 'assigned_host_info is null' };
    const light = lightOf(inst);
    result.lights[key] = light;
    if (light !== 'spinner') done += 1;
  }
  result.ready = done === arr((status.template as Obj).hosts).length;
  if (result.ready) {
    for (const [key] of instances) {
      const p = await d.api.powerStatus(key);
      result.power[key] = isObj(p) && typeof p.power_state === 'string' ? p.power_state : null;
    }
  }
  return result;
}

/** The power buttons: the proxy relays the answer only when it is a JSON object (JsonResponse), else 500. */
export async function setPower(d: SimDashboard, instance: string, command: 'PowerOn' | 'PowerOff' | 'Restart'): Promise<Obj> {
  const r = await d.api.setPower(instance, command);
  if (!isObj(r)) throw new PageError(500, 'setpower answer is not a JSON object');
  return r;
}

/** "Redeploy Host": offers the images of status.instances[i].image_list. */
export async function redeploy(d: SimDashboard, id: number, instance: string, imageName: string): Promise<boolean> {
  const status = await d.api.bookingStatus(d.booking(id).aggregateId);
  const inst = isObj(status) ? (status.instances as Obj)[instance] : undefined;
  const image = isObj(inst) ? arr(inst.image_list).filter(isObj).find((i) => i.name === imageName) : undefined;
  if (!image) throw new PageError(400, `image ${imageName} is not offered for ${instance}`);
  return d.api.reimage(instance, image.image_id as string);
}

/** "Add collaborators" (owner only): 200 plus a truthy JSON body adds them to Booking.collaborators. */
export async function addCollaborators(d: SimDashboard, id: number, ipas: string[]): Promise<boolean> {
  const b = d.booking(id);
  const r = await d.api.addUsers(b.aggregateId, ipas);
  if (!r) return false;
  b.collaborators.push(...ipas);
  return true;
}

/** Cancel (the owner), the REST DELETE and the Celery task: `success` must be the JSON boolean true. */
export async function endBooking(d: SimDashboard, b: DashboardBooking): Promise<boolean> {
  const r = await d.api.bookingEnd(b.aggregateId);
  if (isObj(r) && r.success === true) b.complete = true;
  return b.complete;
}

/** Celery `end_expired_bookings` (every minute): bookings whose end passed and are not complete. */
export async function endExpiredBookings(d: SimDashboard, now: Date): Promise<void> {
  for (const b of d.bookings.filter((x) => x.end <= now && !x.complete)) await endBooking(d, b);
}

/** RFC 2822 as Python's email.utils.format_datetime writes a UTC datetime. */
export function formatDatetime(at: Date): string {
  return at.toUTCString().replace('GMT', '+0000');
}
