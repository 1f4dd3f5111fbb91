import type { BookingViewJson } from './booking-status-source';

export type Sentiment = 'Succeeded' | 'InProgress' | 'Degraded' | 'Failed' | 'Unknown';

export interface LogEntry {
  status_info: { headline: string; subline: string };
  sentiment: Sentiment;
  time: string;
  /** headline -- subline: the dashboard marks a host done when this contains "Success" or "Fail". */
  status: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** RFC 2822 in UTC, as chrono's to_rfc2822 writes it: `Tue, 8 Jul 2025 16:37:07 +0000`. */
export function rfc2822(at: Date | string): string {
  const d = new Date(at);
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function entry(headline: string, subline: string, sentiment: Sentiment, time: Date | string): LogEntry {
  return { status_info: { headline, subline }, sentiment, time: rfc2822(time), status: `${headline} -- ${subline}` };
}

/** liblaas's event names for laas's host steps: running, then done. */
const STEP_WORDS: Record<string, [string, string]> = {
  power: ['Provision Start', 'Host Powered For Installation'],
  imaging: ['Installing OS', 'OS Installed'],
  switch: ['Network Backplane Configuration', 'Network Backplane Configured'],
  network: ['Host Configure', 'Host Network Configured'],
  access: ['Cloud init', 'User Access Configured'],
};

type ViewHost = BookingViewJson['hosts'][number];

/**
 * One instance's log, oldest first, from the booking's state and its host's step records. The last
 * entry says "Successfully Provisioned" when the host is ready, "Failed to ..." when it failed
 * (or the whole booking failed), and neither while work is under way, like liblaas.
 */
export function instanceLogs(view: BookingViewJson | null, host: ViewHost | undefined, createdAt: Date): LogEntry[] {
  const logs = [entry('Pre-Provision', 'Configuration has been created, host not yet selected', 'Unknown', createdAt)];
  if (!view || !host) return logs;
  const allocated = !host.name.startsWith('(');
  if (!allocated) {
    if (view.state === 'failed') logs.push(entry('Failed to Allocate', view.error?.message ?? 'no host could be allocated', 'Failed', createdAt));
    return logs;
  }
  const first = host.steps.find((s) => s.startedAt)?.startedAt ?? createdAt;
  logs.push(entry('Allocation Complete', `${host.name} was allocated`, 'Succeeded', first));
  for (const s of host.steps) {
    const [running, done] = STEP_WORDS[s.step] ?? [s.step, `${s.step} done`];
    const at = s.finishedAt ?? s.startedAt ?? first;
    if (s.status === 'running') logs.push(entry(running, `${s.step} on ${host.name}${s.attempt && s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}`, 'InProgress', s.startedAt ?? at));
    else if (s.status === 'done') logs.push(entry(done, `${s.step} on ${host.name} done`, 'InProgress', at));
    else if (s.status === 'failed') logs.push(entry('Failed to Provision', `${s.step} on ${host.name}: ${s.error?.message ?? 'failed'}`, 'Failed', at));
    else if (s.status === 'undoing' || s.status === 'undone') logs.push(entry('Tearing Down', `${s.step} on ${host.name} ${s.status}`, 'InProgress', at));
  }
  const ready = host.steps.every((s) => s.status === 'done');
  const lastAt = host.steps.map((s) => s.finishedAt ?? s.startedAt ?? '').sort().at(-1) || first;
  if (host.held) logs.push(entry('Waiting For Operator', `${host.held.step} on ${host.name} waits for an operator until ${host.held.until}`, 'Degraded', lastAt));
  else if (ready && ['provisioning', 'active'].includes(view.state)) {
    logs.push(entry('Successfully Provisioned', `${host.name} has provisioned according to configuration`, 'Succeeded', lastAt));
  }
  const now = new Date();
  switch (view.state) {
    case 'releasing':
      logs.push(entry('Shutting Down Host', `${host.name}: the booking's steps are being undone`, 'InProgress', now));
      break;
    case 'released':
      logs.push(entry('Cleanup Finished', 'host has been deprovisioned and returned to the free pool', 'Succeeded', now));
      break;
    case 'needs_cleanup':
      logs.push(entry('Cleanup Pending', 'some undos could not run; an operator has been asked to clean up', 'Degraded', now));
      break;
    case 'failed':
      if (logs.at(-1)?.sentiment !== 'Failed') {
        logs.push(entry('Failed to Provision', `the booking failed and was undone: ${view.error?.message ?? 'unknown error'}`, 'Failed', now));
      }
      break;
    default:
      break;
  }
  return logs;
}
