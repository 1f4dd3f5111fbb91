import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bookingRequest, startCliEnv, token, type CliEnv } from './helpers/cli-env';

// `laas bookings watch` on a real pseudo-terminal: tmux runs it in a detached session of known
// size and hands back the screen as a person would see it, escape sequences already applied.

const bin = join(import.meta.dirname, '..', '..', 'bin', 'laas.js');
let env: CliEnv;
let dir: string;
let socket: string;

beforeAll(async () => {
  env = await startCliEnv();
  dir = mkdtempSync(join(tmpdir(), 'laas-watch-'));
  socket = join(dir, 'tmux.sock');
});
afterAll(async () => {
  if (socket) {
    try {
      execFileSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // No server left: the session already ended.
    }
  }
  await env?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function screen(): string {
  return execFileSync('tmux', ['-S', socket, 'capture-pane', '-p', '-t', 'watch'], { encoding: 'utf8' });
}

async function screenUntil(pattern: RegExp, what: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = screen();
    if (pattern.test(s)) return s;
    if (Date.now() > deadline) throw new Error(`the screen never showed ${what}:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('laas bookings watch on a terminal', () => {
  it('redraws a per-host table in place, with a progress bar while imaging, and exits 0 once active', async () => {
    const id = `tty-${Date.now()}`;
    // Imaging long enough to see its percentage move, however long the CLI takes to start.
    env.lab.simLab.imagingMs = 40_000;
    const res = await env.api.inject({ method: 'POST', url: '/v1/bookings', headers: { authorization: `Bearer ${token}` }, payload: bookingRequest(id, 'sim-02') });
    expect(res.statusCode).toBe(201);

    // The API address and token reach the CLI by environment (the tmux server passes its own on), never argv.
    const command = `node ${bin} bookings watch ${id} --interval 200; echo "exit=$?"; sleep 120`;
    execFileSync('tmux', ['-S', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'watch', '-x', '110', '-y', '20', command], {
      env: { ...process.env, ...env.childEnv, TERM: 'xterm' },
    });

    const imaging = await screenUntil(/\[[#-]{10}\]\s+\d+%/, 'an imaging progress bar');
    const lines = imaging.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^booking ${id}  demo/alice  PROVISIONING  \\S+$`));
    expect(lines[1]).toMatch(/^HOST\s+POWER\s+IMAGING\s+SWITCH\s+NETWORK\s+ACCESS$/);
    expect(lines[2]).toMatch(/^sim-02\s+done \S+\s+\[[#-]{10}\]\s+\d+% \S+\s+pending\s+pending\s+pending$/);
    expect(lines[3]).toBe('booking steps: vpn pending · headnode pending');
    // The percentage moves: the imaging task's heartbeats, decoded by the API, reach the bar.
    const first = Number(/(\d+)%/.exec(lines[2]!)![1]);
    const later = await screenUntil(new RegExp(`\\]\\s+(?!${first}%)\\d+%`), `a percentage other than ${first}%`);
    expect(Number(/\]\s+(\d+)%/.exec(later)![1])).toBeGreaterThan(first);
    const view = (await env.api.inject({ method: 'GET', url: `/v1/bookings/${id}`, headers: { authorization: `Bearer ${token}` } })).json<{ hosts: { steps: { step: string; progress?: number }[] }[] }>();
    expect(view.hosts[0]!.steps.find((s) => s.step === 'imaging')?.progress).toBeGreaterThan(first);
    env.lab.simLab.imagingMs = 0;

    const settled = await screenUntil(/^exit=\d+$/m, 'the exit status');
    const after = settled.split('\n');
    // Redrawn in place: one title and one header however many times it was drawn.
    expect(after.filter((l) => l.startsWith('booking tty-')).length).toBe(1);
    expect(after.filter((l) => l.startsWith('HOST')).length).toBe(1);
    expect(after[0]).toMatch(new RegExp(`^booking ${id}  demo/alice  ACTIVE`));
    expect(after[2]).toMatch(/^sim-02(\s+done \S+){5}$/);
    expect(after).toContain('exit=0');
    await env.laas('bookings', 'release', id, '--wait');
  });
});
