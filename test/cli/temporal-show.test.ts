import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { temporalCli } from '../../scripts/lib/dev-server';
import { bookingRequest, startCliEnv, token, type CliEnv } from './helpers/cli-env';

let env: CliEnv;
beforeAll(async () => {
  env = await startCliEnv();
});
afterAll(async () => {
  await env?.close();
});

/** `temporal workflow show` as operators.md says to run it: the codec endpoint and token from the environment. */
async function show(workflowId: string, codec: Record<string, string>): Promise<{ out: string; ms: number }> {
  const binary = temporalCli(join(import.meta.dirname, '..', '..'));
  const started = Date.now();
  const { stdout } = await promisify(execFile)(binary, ['workflow', 'show', '--address', process.env.TEMPORAL_ADDRESS!, '--workflow-id', workflowId, '--detailed'], {
    env: { ...process.env, ...codec },
    timeout: 60_000,
  });
  return { out: stdout, ms: Date.now() - started };
}

describe('temporal workflow show with the documented codec variables', () => {
  it('prints the booking and host inputs decoded, within seconds', async () => {
    const id = `show-${Date.now()}`;
    const res = await env.api.inject({ method: 'POST', url: '/v1/bookings', headers: { authorization: `Bearer ${token}` }, payload: bookingRequest(id, 'sim-02', { purpose: 'decode me' }) });
    expect([201, 202]).toContain(res.statusCode);
    await env.until(id, 'active');

    const raw = await show(`booking-${id}`, {});
    expect(raw.out).toContain('YmluYXJ5L2VuY3J5cHRlZA=='); // base64 of binary/encrypted
    expect(raw.out).not.toContain('ubuntu-22.04');

    const codec = { TEMPORAL_CODEC_ENDPOINT: `${env.url}/codec`, TEMPORAL_CODEC_AUTH: `Bearer ${token}` };
    const booking = await show(`booking-${id}`, codec);
    expect(booking.ms).toBeLessThan(10_000);
    expect(booking.out).not.toContain('YmluYXJ5L2VuY3J5cHRlZA==');
    expect(booking.out).toContain('input[0].hosts[0].image: ubuntu-22.04');
    expect(booking.out).toContain('input[0].owner: alice');
    expect(booking.out).toContain('memo.fields.purpose: decode me');
    const host = await show(`booking-${id}-host-sim-02`, codec);
    expect(host.ms).toBeLessThan(10_000);
    expect(host.out).toMatch(/input\[0\]\S*image: ubuntu-22.04/);
    await env.laas('bookings', 'release', id, '--wait');
  });
});
