import type { Client } from '@temporalio/client';
import type { EventSink } from '../../activities/deps';
import { bookingWorkflow } from '../../workflows/booking';
import { bookingStatusQuery, bookingWorkflowId, releaseSignal } from '../../workflows/definitions';
import type { BookingInput } from '../../workflows/types';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u bench@laptop';

/**
 * A full booking, like the dashboard sends: a public and a private network on every host, a key,
 * one VPN user and a headnode, leased for an hour from now. The VPN user is the caller's choice
 * because the directory gives a user one account at a time: concurrent bookings need distinct users.
 */
export function benchBooking(id: string, hosts: string[], vpnUser: string, leaseMs = 3_600_000): BookingInput {
  const now = Date.now();
  return {
    id,
    lab: 'bench',
    project: 'bench',
    owner: vpnUser,
    start: new Date(now).toISOString(),
    end: new Date(now + leaseMs).toISOString(),
    networks: [{ name: 'public', public: true }, { name: 'private' }],
    hosts: hosts.map((name) => ({
      name,
      image: 'ubuntu-22.04',
      interfaces: { eno1: [{ network: 'public', tagged: false }], eno2: [{ network: 'private', tagged: true }] },
    })),
    access: { sshKeys: [KEY], vpnUsers: [vpnUser] },
    headnode: { image: 'headnode-base', networks: ['private'] },
  };
}

/**
 * One small booking run to active and released before a measurement, on a host of its own: a
 * worker's first workflow task builds its workflow sandbox (≈ 0.2 s here), a one-off cost of a
 * worker's start that a long-running worker has paid long before a booking arrives.
 */
export async function warmUp(client: Client, taskQueue: string, host: string): Promise<void> {
  const input = benchBooking(`warm-up-${Date.now()}`, [host], 'warm-up');
  const handle = await client.workflow.start(bookingWorkflow, { workflowId: bookingWorkflowId(input.id), taskQueue, args: [input] });
  while ((await handle.query(bookingStatusQuery)).state !== 'active') await new Promise((r) => setTimeout(r, 50));
  await handle.signal(releaseSignal, { reason: 'warm-up done' });
  await handle.result();
}

/**
 * An in-memory event sink (the bench measures orchestration, not PostgreSQL) that tells when one
 * booking reaches a state: `reached(state)` resolves with the time it did.
 */
export function stateSink(bookingId: string): { events: EventSink; reached: (state: string) => Promise<number> } {
  const states = new Map<string, (at: number) => void>();
  const events: EventSink = {
    append: (e) => {
      if (e.bookingId === bookingId && e.kind.startsWith('state:')) states.get(e.kind.slice('state:'.length))?.(Date.now());
      return Promise.resolve();
    },
    leftovers: () => Promise.resolve(),
  };
  return { events, reached: (state) => new Promise<number>((resolve) => states.set(state, resolve)) };
}
