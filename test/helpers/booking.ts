import type { Client, WorkflowHandle } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { bookingWorkflow } from '../../workflows/booking';
import { bookingStatusQuery, bookingWorkflowId } from '../../workflows/definitions';
import type { BookingInput, BookingState, BookingStatus } from '../../workflows/types';

/** A booking of the given sim hosts with a public and a private network, a key, a VPN user and a headnode. */
export function sampleBooking(hosts: string[], overrides: Partial<BookingInput> = {}): BookingInput {
  const now = Date.now();
  return {
    id: `t-${randomBytes(5).toString('hex')}`,
    lab: 'sim',
    project: 'demo',
    owner: 'alice',
    start: new Date(now).toISOString(),
    end: new Date(now + 3_600_000).toISOString(),
    networks: [{ name: 'public', public: true }, { name: 'private' }],
    hosts: hosts.map((name) => ({
      name,
      image: 'ubuntu-22.04',
      hostname: `${name}-pod`,
      interfaces: { eno1: [{ network: 'public', tagged: false }], eno2: [{ network: 'private', tagged: true }] },
    })),
    access: { sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop'], vpnUsers: ['alice'] },
    headnode: { image: 'headnode-base', networks: ['private'] },
    ...overrides,
  };
}

export async function startBooking(client: Client, taskQueue: string, input: BookingInput): Promise<WorkflowHandle<typeof bookingWorkflow>> {
  return client.workflow.start(bookingWorkflow, { workflowId: bookingWorkflowId(input.id), taskQueue, args: [input] });
}

/** Poll the booking's query until it reaches one of the states (or fail with the last status seen). */
export async function waitForState(handle: WorkflowHandle, states: BookingState[], timeoutMs = 60_000): Promise<BookingStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: BookingStatus | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(bookingStatusQuery);
    if (states.includes(last.state)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`booking stayed ${last?.state ?? 'unknown'} (wanted ${states.join('|')}): ${JSON.stringify(last)}`);
}

/** Activity types scheduled in a workflow's history, in order. */
export async function scheduledActivities(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
}

/** The reason a Workflow Update was refused (its validator's or handler's error message), or null if it went through. */
export async function updateRefusal(update: Promise<unknown>): Promise<string | null> {
  try {
    await update;
    return null;
  } catch (err) {
    const cause = (err as Error).cause;
    return cause instanceof Error ? cause.message : (err as Error).message;
  }
}
