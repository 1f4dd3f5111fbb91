import type { SimLab, SimLabOptions } from '../../sim/lab/lab';
import { benchHostName } from './bench-lab';

/** The 20-host booking of (b) and (c): the same hosts, latencies and imaging time for both. */
export const PROFILE_HOSTS = Array.from({ length: 20 }, (_, i) => benchHostName(i));

/**
 * Every device operation takes 200 ms and imaging 3 s; three hosts answer slower, as an older BMC
 * or a congested switch would (their every operation, switch ports included, takes longer).
 */
export const PROFILE: Required<Pick<SimLabOptions, 'latencyMs' | 'imagingMs' | 'targetLatencyMs'>> = {
  latencyMs: 200,
  imagingMs: 3000,
  targetLatencyMs: { h0007: 350, h0013: 500, h0019: 650 },
};

/** How often the imaging activity polls the task (the sim lab's default): up to one poll is lost after imaging ends. */
export const IMAGING_POLL_MS = 200;

type JournalEntry = SimLab['journal'][number];

/** Latency the sim lab applied to one operation (the rule of SimLab.operate). */
function latencyOf(lab: SimLab, e: JournalEntry): number {
  return lab.targetLatencyMs[e.target] ?? lab.operationLatencyMs[e.at] ?? lab.latencyMs;
}

/**
 * A host's own device time, from the sim lab's journal: the sum of its operations' latencies, plus
 * the imaging task's run after the deploy, less the part of it that overlaps the power-on that
 * boots the host into the task (the task clock starts at the deploy). This is the host's floor:
 * no orchestration can bring the host up faster with these devices.
 */
export function deviceTimeMs(lab: SimLab, target: string, entries: JournalEntry[]): number {
  let total = 0;
  let imagingStarted = false;
  for (const e of entries) {
    if (e.target !== target) continue;
    const latency = latencyOf(lab, e);
    total += latency;
    if (e.at === 'imaging.deploy') imagingStarted = true;
    else if (e.at === 'power.on' && imagingStarted) {
      total += Math.max(0, lab.imagingMs - latency);
      imagingStarted = false;
    }
  }
  return total;
}

/** Device time of operations aimed at anything but the hosts (VPN accounts, the headnode). */
export function bookingLevelTimeMs(lab: SimLab, entries: JournalEntry[]): number {
  return entries.filter((e) => !lab.hosts.has(e.target)).reduce((sum, e) => sum + latencyOf(lab, e), 0);
}
