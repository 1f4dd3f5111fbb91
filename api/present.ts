import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { BookingStatus } from '../workflows/types';
import { hostWorkflowId } from '../workflows/definitions';

/**
 * The booking as a dashboard reads it (booking-api.md). Imaging progress comes from the
 * heartbeat of the host's running imaging activity, as Temporal reports it. Generated VPN
 * passwords are shown only when the caller is to receive them (see credentials.ts).
 */
export async function presentBooking(status: BookingStatus, temporal: Client, options: { withPasswords?: boolean } = {}) {
  const passwords = options.withPasswords && status.vpnPasswords ? { vpnPasswords: status.vpnPasswords } : {};
  const access = status.vpnAccounts || passwords.vpnPasswords ? { access: { vpnAccounts: status.vpnAccounts ?? [], ...passwords } } : {};
  const progress = await imagingProgress(status, temporal);
  return {
    id: status.id,
    lab: status.lab,
    project: status.project,
    owner: status.owner,
    state: status.state,
    start: status.start,
    end: status.end,
    networks: status.networks,
    hosts: status.hosts.map((h) => ({
      name: h.name,
      hostname: h.hostname,
      ...(h.address ? { address: h.address } : {}),
      ...(h.held ? { held: h.held } : {}),
      steps: h.steps.map((s) => (s.step === 'imaging' && s.status === 'running' && progress.has(h.name) ? { ...s, progress: progress.get(h.name) } : s)),
    })),
    bookingSteps: status.bookingSteps,
    ...(status.headnode ? { headnode: status.headnode } : {}),
    ...access,
    ...(status.leftovers.length ? { cleanup: { leftovers: status.leftovers } } : {}),
    ...(status.error ? { error: status.error } : {}),
  };
}

async function imagingProgress(status: BookingStatus, temporal: Client): Promise<Map<string, number>> {
  const imaging = status.hosts.filter((h) => h.steps.some((s) => s.step === 'imaging' && s.status === 'running'));
  const out = new Map<string, number>();
  await Promise.all(
    imaging.map(async (h) => {
      try {
        const child = temporal.workflow.getHandle(hostWorkflowId(status.id, h.name));
        const d = await child.describe();
        for (const a of d.raw.pendingActivities ?? []) {
          if (a.activityType?.name !== 'imageHost') continue;
          if (!a.heartbeatDetails?.payloads?.length) continue;
          // Heartbeat details are payloads like any other: encrypted, so decoded through the codec first.
          const details = await decodeFromPayloadsAtIndex<{ percent?: number } | undefined>(temporal.options.loadedDataConverter, 0, a.heartbeatDetails.payloads);
          if (typeof details?.percent === 'number') out.set(h.name, details.percent);
        }
      } catch {
        // Progress is a nicety: a host child that just finished has no pending activity.
      }
    }),
  );
  return out;
}
