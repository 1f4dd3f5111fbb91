import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import proto from '@temporalio/proto';
import { temporalCli } from '../../scripts/lib/dev-server';
import { bookingRequest, startCliEnv, token, type CliEnv } from './helpers/cli-env';

const { temporal } = proto;
let env: CliEnv;
beforeAll(async () => {
  env = await startCliEnv();
});
afterAll(async () => {
  await env?.close();
});

async function book(id: string, host: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await env.api.inject({ method: 'POST', url: '/v1/bookings', headers: { authorization: `Bearer ${token}` }, payload: bookingRequest(id, host, extra) });
  expect(res.statusCode, res.body).toBe(201);
}

/** The reset's mark in the new run: the workflow task at the reset point failed with cause RESET_WORKFLOW. */
async function resetMarkAt(id: string, eventId: number): Promise<boolean> {
  const history = await env.lab.client.workflow.getHandle(`booking-${id}`).fetchHistory();
  const e = history.events?.find((x) => Number(x.eventId) === eventId);
  return e?.workflowTaskFailedEventAttributes?.cause === temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW;
}

describe('laas bookings retry', () => {
  it('answers a held booking: watch exits 5 while held, retry resumes it to active', async () => {
    const id = `held-${Date.now()}`;
    env.lab.simLab.faults.inject({ at: 'imaging.deploy', target: 'sim-02', kind: 'permanent' });
    await book(id, 'sim-02', { failurePolicy: 'hold' });
    const held = await env.laas('bookings', 'watch', id, '--interval', '50');
    expect(held.code).toBe(5);
    expect(held.err).toBe(`laas: booking ${id} is held: waiting for an operator (laas bookings retry ${id}, or --abort)`);

    env.lab.simLab.faults.clear();
    const retried = await env.laas('bookings', 'retry', id, '--watch');
    expect(retried.code, retried.err).toBe(0);
    expect(retried.out.split('\n')[0]).toBe(`booking ${id}: retrying sim-02 (held at imaging)`);
    expect(retried.out.split('\n').at(-1)).toBe(`booking ${id} is active`);
    expect(env.lab.simLab.host('sim-02').image).toBe('1');

    const again = await env.laas('bookings', 'retry', id);
    expect(again).toMatchObject({ code: 1, err: `laas: booking ${id} is active: nothing to retry (only held and failed bookings are)` });
    await env.laas('bookings', 'release', id, '--wait');
  });

  it('resets a failed booking with Temporal so it runs again from its allocation and becomes active', async () => {
    const id = `failed-${Date.now()}`;
    env.lab.simLab.faults.inject({ at: 'imaging.deploy', target: 'sim-01', kind: 'permanent' });
    await book(id, 'sim-01');
    const failed = await env.laas('bookings', 'watch', id, '--interval', '50');
    expect(failed.code).toBe(1);
    expect(env.lab.simLab.residue()).toEqual([]);

    env.lab.simLab.faults.clear();
    const row = () => env.lab.database.db.selectFrom('bookings').select(['created_at', 'released_at']).where('id', '=', id).executeTakeFirst();
    const before = await row();
    expect(before?.released_at).not.toBeNull();
    const retried = await env.laas('bookings', 'retry', id);
    expect(retried.code, retried.err).toBe(0);
    // Reopened, not deleted and made again: the same row, no longer released.
    expect(await row()).toEqual({ created_at: before?.created_at, released_at: null });
    const lines = retried.out.split('\n');
    expect(lines[0]).toBe(`booking ${id}: sim-01 imaging failed (SimPermanentFault: simulated permanent fault at imaging.deploy on sim-01).`);
    const command = lines.at(-1)!.trim();
    const eventId = Number(/--event-id (\d+)/.exec(command)?.[1]);
    expect(command).toMatch(
      new RegExp(`^temporal workflow reset --address \\S+ --namespace default --workflow-id booking-${id} --run-id \\S+ --event-id \\d+ --reason '[^']+' --reapply-exclude Signal --reapply-exclude Update$`),
    );

    await env.until(id, 'active');
    expect(env.lab.simLab.host('sim-01')).toMatchObject({ power: 'on', image: '1' });
    // The event the output names is the one the booking was reset to.
    expect(await resetMarkAt(id, eventId)).toBe(true);
    // The state shows in the booking a moment before its event is recorded.
    let kinds: string[] = [];
    for (const deadline = Date.now() + 10_000; !kinds.includes('state:active') && Date.now() < deadline; ) {
      // The booking's own events; the host steps' events come between them.
      kinds = (JSON.parse((await env.laas('--json', 'bookings', 'events', id)).out) as { kind: string }[]).map((e) => e.kind).filter((k) => !k.startsWith('step:'));
    }
    expect(kinds).toEqual(['state:provisioning', 'allocated', 'state:failed', 'state:active']);

    // The allocation is really held again: nobody else gets sim-01 meanwhile.
    const rival = await env.api.inject({ method: 'POST', url: '/v1/bookings', headers: { authorization: `Bearer ${token}` }, payload: bookingRequest(`rival-${Date.now()}`, 'sim-01') });
    expect(rival.statusCode).toBe(409);
    expect(rival.json<{ error: { type: string } }>().error.type).toBe('HostUnavailable');

    const released = await env.laas('bookings', 'release', id, '--wait');
    expect(released.code, released.err).toBe(0);
    expect(env.lab.simLab.residue()).toEqual([]);
  });

  it("prints a temporal command that, run with Temporal's own CLI after --reopen-only, completes the booking", async () => {
    const id = `tcli-${Date.now()}`;
    env.lab.simLab.faults.inject({ at: 'switch.configure', target: 'sim-03', kind: 'permanent' });
    await book(id, 'sim-03');
    await env.until(id, 'failed');
    env.lab.simLab.faults.clear();

    const dry = await env.laas('bookings', 'retry', id, '--dry-run');
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('Nothing changed (--dry-run)');
    expect(await env.stateOf(id)).toBe('failed');

    const reopened = await env.laas('bookings', 'retry', id, '--reopen-only');
    expect(reopened.code, reopened.err).toBe(0);
    expect(reopened.out.split('\n')[0]).toBe(`booking ${id}: released allocation reopened. Now reset it with:`);
    const command = reopened.out.split('\n')[1]!.trim();
    expect(await env.stateOf(id)).toBe('failed');

    const binary = temporalCli(join(import.meta.dirname, '..', '..'));
    await promisify(execFile)('bash', ['-c', command.replace(/^temporal /, `"${binary}" `)], { env: { ...process.env } });
    await env.until(id, 'active');
    expect(env.lab.simLab.host('sim-03').image).toBe('1');
    await env.laas('bookings', 'release', id, '--wait');
  });
});

describe('laas cleanup', () => {
  it('lists a booking whose undo failed with its leftovers, and retries the undo once the fault is gone', async () => {
    const id = `clean-${Date.now()}`;
    await book(id, 'sim-04');
    await env.until(id, 'active');
    env.lab.simLab.faults.inject({ at: 'switch.reset', target: 'sim-04', kind: 'permanent' });
    const release = await env.laas('bookings', 'release', id, '--wait');
    expect(release.code).toBe(6);
    expect(release.err).toContain('some undo failed');

    let list = '';
    for (const deadline = Date.now() + 20_000; !list.includes(id) && Date.now() < deadline; ) {
      list = (await env.laas('cleanup', 'list')).out;
      if (!list.includes(id)) await new Promise((r) => setTimeout(r, 300));
    }
    expect(list.split('\n')[0]).toMatch(/^BOOKING\s+PROJECT\s+HOST\s+STEP\s+ERROR$/);
    expect(list).toMatch(new RegExp(`${id}\\s+demo\\s+sim-04\\s+switch\\s+SimPermanentFault: simulated permanent fault at switch.reset on sim-04`));

    const stillBroken = await env.laas('cleanup', 'retry', id);
    expect(stillBroken.code).toBe(1);
    // The allocation waits for the port: a VLAN still on it must not go to another booking.
    expect(stillBroken.out).toContain(
      'still left behind:\n  booking allocation: LeftoversRemain: allocation kept until the other leftovers are cleaned up\n  sim-04 switch: SimPermanentFault',
    );

    env.lab.simLab.faults.clear();
    const fixed = await env.laas('cleanup', 'retry', id);
    expect(fixed.code, fixed.err).toBe(0);
    expect(fixed.out).toBe(`booking ${id}: every undo ran; nothing is left behind`);
    await env.until(id, 'released');
    expect(env.lab.simLab.residue()).toEqual([]);
    const retryNow = await env.laas('bookings', 'retry', id);
    expect(retryNow.code).toBe(1);
  });
});
