/**
 * Listing bookings after `laas bookings retry` reset a failed one: Temporal's visibility then
 * holds two runs of its workflow, the old one still saying "failed". The list shows each booking
 * once, as its latest run is, through the API and the CLI, with or without a state filter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { bookingRequest, startCliEnv, token, type CliEnv } from './helpers/cli-env';

const suffix = randomBytes(3).toString('hex');
// Visibility is shared by every test file on the dev server: an owner of this run only.
const OWNER = `relist-${suffix}`;
const retried = `rl-retried-${suffix}`;
const failed = `rl-failed-${suffix}`;
const auth = { authorization: `Bearer ${token}` };

let env: CliEnv;
beforeAll(async () => {
  env = await startCliEnv();
});
afterAll(async () => {
  await env?.close();
});

interface Page {
  bookings: { id: string; state: string }[];
  nextCursor: string | null;
}

/** Every page of a filter through the API, following the cursors, as id:state. */
async function listed(query: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await env.api.inject({ method: 'GET', url: `/v1/bookings?owner=${OWNER}&${query}${cursor ? `&cursor=${cursor}` : ''}`, headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    const page: Page = res.json<Page>();
    out.push(...page.bookings.map((b) => `${b.id}:${b.state}`));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Visibility catches up a moment after the workflow: ask until the answer is the expected one. */
async function eventually(query: string, expected: string[]): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const got = await listed(query);
    if (JSON.stringify(got) === JSON.stringify(expected) || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function book(id: string, host: string): Promise<void> {
  const res = await env.api.inject({ method: 'POST', url: '/v1/bookings', headers: auth, payload: bookingRequest(id, host, { owner: OWNER }) });
  expect(res.statusCode, res.body).toBe(201);
}

describe('listing a booking reset by laas bookings retry', () => {
  it('shows it once, in the state of its new run, and not under state=failed', async () => {
    env.lab.simLab.faults.inject({ at: 'imaging.deploy', target: 'sim-01', kind: 'permanent' });
    env.lab.simLab.faults.inject({ at: 'imaging.deploy', target: 'sim-02', kind: 'permanent' });
    await book(retried, 'sim-01');
    await env.until(retried, 'failed');
    await book(failed, 'sim-02');
    await env.until(failed, 'failed');
    expect(await eventually('state=failed', [`${failed}:failed`, `${retried}:failed`])).toEqual([`${failed}:failed`, `${retried}:failed`]);

    env.lab.simLab.faults.clear();
    const retry = await env.laas('bookings', 'retry', retried);
    expect(retry.code, retry.err).toBe(0);
    await env.until(retried, 'active');

    // The old run of the reset booking still says failed in visibility: it is not the booking any more.
    expect(await eventually('state=failed', [`${failed}:failed`])).toEqual([`${failed}:failed`]);
    expect(await listed('state=active')).toEqual([`${retried}:active`]);
    // Newest booking first (the reset one keeps its place); every booking once, also a page at a time.
    expect(await listed('')).toEqual([`${failed}:failed`, `${retried}:active`]);
    expect(await listed('limit=1')).toEqual([`${failed}:failed`, `${retried}:active`]);
    expect(await listed('state=failed,active&limit=1')).toEqual([`${failed}:failed`, `${retried}:active`]);

    const cli = await env.laas('--json', 'bookings', 'list', '--owner', OWNER, '--state', 'failed');
    expect(cli.code, cli.err).toBe(0);
    expect((JSON.parse(cli.out) as Page).bookings.map((b) => `${b.id}:${b.state}`)).toEqual([`${failed}:failed`]);

    const released = await env.laas('bookings', 'release', retried, '--wait');
    expect(released.code, released.err).toBe(0);
    expect(await eventually('state=failed,released', [`${failed}:failed`, `${retried}:released`])).toEqual([`${failed}:failed`, `${retried}:released`]);
    expect(await listed('state=failed')).toEqual([`${failed}:failed`]);
  });
});
