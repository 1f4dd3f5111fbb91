import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { bookingRequest, startCliEnv, token, type CliEnv } from './helpers/cli-env';

let env: CliEnv;
let dir: string;
beforeAll(async () => {
  env = await startCliEnv();
  dir = mkdtempSync(join(tmpdir(), 'laas-cli-'));
});
afterAll(async () => {
  await env?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Visibility (the booking list) trails the workflow by a moment. */
async function listed(args: string[], needle: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await env.laas('bookings', 'list', ...args);
    expect(r.code, r.err).toBe(0);
    if (r.out.includes(needle) || Date.now() > deadline) return r.out;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe('laas bookings', () => {
  it('creates a booking from a YAML file, watches it to active, shows, lists, extends, lists its events and releases it', async () => {
    const id = `cli-${Date.now()}`;
    const file = join(dir, 'booking.yaml');
    writeFileSync(file, stringify(bookingRequest(id, 'sim-01')));

    const created = await env.laas('bookings', 'create', '-f', file);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toBe(`booking ${id} accepted (provisioning); follow it with: laas bookings watch ${id}`);

    // Not on a terminal: one line per change, then the settled state; exit 0 for active.
    const watched = await env.laas('bookings', 'watch', id, '--interval', '50');
    expect(watched.code, watched.err).toBe(0);
    expect(watched.out).toMatch(/sim-01 power (running|done)/);
    expect(watched.out).toMatch(/sim-01 access done/);
    expect(watched.out.split('\n').at(-1)).toBe(`booking ${id} is active`);

    const shown = await env.laas('bookings', 'show', id);
    expect(shown.code).toBe(0);
    const table = shown.out.split('\n');
    expect(table[0]).toMatch(new RegExp(`^booking ${id}  demo/alice  ACTIVE`));
    expect(table[1]).toMatch(/^HOST\s+POWER\s+IMAGING\s+SWITCH\s+NETWORK\s+ACCESS$/);
    expect(table[2]).toMatch(/^sim-01\s+done \S+\s+done \S+\s+done \S+\s+done \S+\s+done \S+$/);
    expect(shown.out).toMatch(/networks: public \(VLAN \d+\)/);

    const asJson = await env.laas('--json', 'bookings', 'show', id);
    expect(JSON.parse(asJson.out)).toMatchObject({ id, state: 'active', hosts: [{ name: 'sim-01' }] });

    const list = await listed(['--state', 'active'], id);
    expect(list.split('\n')[0]).toMatch(/^ID\s+PROJECT\s+OWNER\s+STATE\s+START\s+END\s+HOSTS$/);
    expect(list).toMatch(new RegExp(`${id}\\s+demo\\s+alice\\s+active\\s.*sim-01`));

    const end = new Date(Date.now() + 2 * 3_600_000);
    end.setUTCMilliseconds(0);
    const extended = await env.laas('bookings', 'extend', id, '--end', end.toISOString());
    expect(extended.code, extended.err).toBe(0);
    expect(extended.out).toBe(`booking ${id} now ends at ${end.toISOString()}`);
    const intoThePast = await env.laas('bookings', 'extend', id, '--end', '2020-01-01T00:00:00Z');
    expect(intoThePast.code).toBe(1);
    expect(intoThePast.err).toBe('laas: end is in the past');

    const events = await env.laas('bookings', 'events', id);
    const kinds = events.out.split('\n').slice(1).map((l) => l.split(/\s{2,}/)[2]);
    // The booking's own events in order; each host step's running and done between allocation and active.
    expect(kinds.filter((k) => !k?.startsWith('step:'))).toEqual(['state:provisioning', 'allocated', 'state:active', 'extended']);
    expect(kinds.filter((k) => k === 'step:done')).toHaveLength(5);

    const released = await env.laas('bookings', 'release', id, '--wait');
    expect(released.code, released.err).toBe(0);
    expect(released.out.split('\n').at(-1)).toBe(`booking ${id} is released`);
    expect(env.lab.simLab.residue()).toEqual([]);
  });

  it('gives scripts exit codes: 2 for bad input, 3 for an unknown booking, 4 when the API is unreachable, 1 for a refused token', async () => {
    const missing = await env.laas('bookings', 'show', 'nope');
    expect(missing).toMatchObject({ code: 3, err: 'laas: no booking nope' });

    const noFile = await env.laas('bookings', 'create', '-f', join(dir, 'absent.json'));
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain('cannot read booking file');

    const file = join(dir, 'bad.json');
    const { end: _end, ...withoutEnd } = bookingRequest('bad-1', 'sim-01');
    writeFileSync(file, JSON.stringify(withoutEnd));
    const invalid = await env.laas('bookings', 'create', '-f', file);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(/^laas: end: /);

    const badInstant = await env.laas('bookings', 'extend', 'x', '--end', 'tomorrow');
    expect(badInstant.code).toBe(2);
    expect(badInstant.err).toContain('"tomorrow" is not an ISO 8601 instant');

    process.env.LAAS_API_URL = 'http://127.0.0.1:1';
    try {
      const unreachable = await env.laas('bookings', 'show', 'x');
      expect(unreachable.code).toBe(4);
      expect(unreachable.err).toContain('cannot reach the laas API at http://127.0.0.1:1');
    } finally {
      process.env.LAAS_API_URL = env.url;
    }

    process.env.LAAS_API_TOKEN = 'wrong-token-0123456789abcdef';
    try {
      const refused = await env.laas('bookings', 'show', 'x');
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('LAAS_API_TOKEN was refused');
      expect(refused.err).not.toContain('wrong-token');
    } finally {
      process.env.LAAS_API_TOKEN = token;
    }
  });
});
