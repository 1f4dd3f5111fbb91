import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { register as registerBurnin } from '../../cli/commands/burnin';
import { capture, runProgram, startCliEnv, type CliEnv } from './helpers/cli-env';
import { simPeers } from './helpers/sim-peers';

let env: CliEnv;
beforeAll(async () => {
  env = await startCliEnv();
});
afterAll(async () => {
  await env?.close();
});

/** `laas burnin` with its checks answered from the simulated lab's state (see sim-peers.ts). */
async function burninOnSimLab(...argv: string[]): Promise<{ code: number; lines: string[]; err: string }> {
  const { ctx, out, err } = capture();
  const program = new Command('laas').option('--json').exitOverride();
  registerBurnin(program, ctx, { peers: () => simPeers(env.lab.simLab) });
  const code = await runProgram(program, ['burnin', ...argv], ctx);
  return { code, lines: out.join('\n').split('\n'), err: err.join('\n') };
}

/** Table rows as [check, target, result]. */
const results = (lines: string[]) => lines.slice(2).map((l) => l.split(/\s{2,}/).slice(0, 3));

describe('laas burnin', () => {
  it('books one host of each flavor, passes every check on the simulated lab, releases, and exits 0', async () => {
    const r = await burninOnSimLab();
    expect(r.code, r.lines.join('\n')).toBe(0);
    expect(r.lines[0]).toMatch(/^burn-in booking burnin-\d{8}T\d{6}-[0-9a-f]{6}: one sim\.small, image ubuntu-22\.04$/);
    expect(r.lines[1]).toMatch(/^CHECK\s+TARGET\s+RESULT\s+DETAIL$/);
    const host = results(r.lines)[0]![1]!;
    expect(host).toMatch(/^sim-0\d$/);
    expect(results(r.lines)).toEqual([
      ['provision', host, 'PASS'],
      ['ssh login', host, 'PASS'],
      ['isolation', host, 'PASS'],
      ['isolation', 'sim-switch', 'PASS'],
      ['vpn bind', expect.stringMatching(/^burnin-[0-9a-f]{6}$/), 'PASS'],
      ['release', expect.stringMatching(/^burnin-/), 'PASS'],
    ]);
    expect(r.lines.join('\n')).toMatch(/isolation\s+sim-switch\s+PASS\s+no port outside the booking carries VLAN \d+, \d+/);
    expect(env.lab.simLab.residue()).toEqual([]);
  });

  it('fails the VPN bind and exits 1 when the VPN directory is broken', async () => {
    env.lab.simLab.faults.inject({ at: 'directory.create', kind: 'permanent' });
    try {
      const r = await burninOnSimLab('--hosts', 'sim-03');
      expect(r.code).toBe(1);
      expect(r.lines[0]).toMatch(/: sim-03, image ubuntu-22\.04$/);
      expect(results(r.lines)).toEqual([
        ['provision', 'sim-03', 'PASS'],
        ['ssh login', 'sim-03', 'SKIP'],
        ['isolation', 'sim-03', 'SKIP'],
        ['vpn bind', expect.stringMatching(/^burnin-/), 'FAIL'],
        ['release', expect.stringMatching(/^burnin-/), 'PASS'],
      ]);
      expect(r.lines.find((l) => l.startsWith('vpn bind'))).toMatch(/FAIL\s+the booking's vpn: SimPermanentFault: simulated permanent fault at directory\.create on burnin-/);
      expect(r.err).toBe('laas: burn-in failed: 1 of 5 checks');
    } finally {
      env.lab.simLab.faults.clear();
    }
    expect(env.lab.simLab.residue()).toEqual([]);
  });

  it('with the real peers (the installed command) skips what is simulated and says why', async () => {
    const r = await env.laas('burnin', '--hosts', 'sim-04', '--json');
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as { ok: boolean; checks: { check: string; target: string; result: string; detail: string }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.check, c.result, c.detail])).toEqual([
      ['provision', 'pass', expect.stringMatching(/^every step done in /)],
      ['ssh login', 'skip', 'sim-04 is simulated: no SSH server to log in to'],
      ['isolation', 'skip', 'switch sim-switch is simulated: its ports live in the worker'],
      ['isolation', 'skip', 'switch sim-switch is simulated: its ports live in the worker'],
      ['vpn bind', 'skip', 'the VPN directory is simulated: it lives in the worker'],
      ['release', 'pass', 'released; every undo ran'],
    ]);
  });
});
