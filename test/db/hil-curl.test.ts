/**
 * Runs every `sh` block of docs/hil-curl.md with the real curl against the HIL
 * API listening on loopback, and checks each answer against the block under it.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, setVlanPool } from '../../db/labs';
import { openSimConsole } from '../../drivers/console/sim';
import { buildHilApp, type HilApp } from './helpers/hil-app';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

// Consoles of the simulated lab's kind for every node: this page shows the console calls, test/api/hil-console.test.ts proves SOL and obmd.
const simConsoles = { open: (_type: string, bmc: { host: string }) => openSimConsole(bmc.host) };

const run = promisify(execFile);
const SEPARATOR = '--- next step ---';

interface Step {
  command: string;
  status: number;
  body: unknown;
}

async function docSteps(): Promise<Step[]> {
  const text = await readFile(new URL('../../docs/hil-curl.md', import.meta.url), 'utf8');
  const steps: Step[] = [];
  for (const m of text.matchAll(/```sh\n([\s\S]*?)\n```\n```http\n([\s\S]*?)\n```/g)) {
    const [statusLine = '', ...rest] = m[2]!.split('\n');
    steps.push({ command: m[1]!, status: Number(statusLine), body: rest.length ? JSON.parse(rest.join('\n')) : undefined });
  }
  return steps;
}

/** Deep equality where the string "…" in `expected` matches any value. */
function matches(actual: unknown, expected: unknown): boolean {
  if (expected === '…') return true;
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(actual[i], e));
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    return Object.keys(a).length === Object.keys(e).length && Object.keys(e).every((k) => matches(a[k], e[k]));
  }
  return actual === expected;
}

describe('docs/hil-curl.md, run with curl', () => {
  let t: TempDatabase;
  let hil: HilApp;
  let base: string;
  const answers: string[] = [];

  beforeAll(async () => {
    t = await createTempDatabase();
    hil = await buildHilApp(t, { worker: { console: simConsoles } });
    await setVlanPool(t.db, (await ensureLab(t.db, 'hil-lab')).id, [1000, 1001, 1002]);
    await hil.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(hil.app.server.address() as AddressInfo).port}/v0`;
  });
  afterAll(async () => {
    await hil?.app.close();
    await t?.drop();
  });

  it('answers every documented call as documented, and never with a secret', async () => {
    const steps = await docSteps();
    expect(steps.length).toBeGreaterThanOrEqual(30);
    // One shell runs the doc's plain curl commands in order; the wrapper appends each status code and a separator.
    const script = [
      `curl() { command curl -sS -w '\\n%{http_code}\\n${SEPARATOR}\\n' "$@"; }`,
      ...steps.map((s) => s.command),
    ].join('\n');
    const { stdout } = await run('bash', ['-c', script], {
      env: { PATH: process.env.PATH, HIL: base, LAAS_ADMIN_PASSWORD: hil.adminPassword, LAAS_API_TOKEN: hil.adminToken },
    });
    answers.push(stdout);
    const outputs = stdout.split(`\n${SEPARATOR}\n`);
    steps.forEach((step, i) => {
      const lines = (outputs[i] ?? '').split('\n');
      const status = Number(lines.pop());
      const body = lines.join('\n');
      const shown = `${step.command}\n→ ${status} ${body}`;
      expect(status, shown).toBe(step.status);
      if (step.body === undefined) expect(body, shown).toBe('');
      else expect(matches(JSON.parse(body), step.body), `${shown}\nexpected ${JSON.stringify(step.body)}`).toBe(true);
    });
    const everything = [...answers, ...hil.logs].join('\n');
    for (const secret of ['Sw0-Secret-pw', 'Bmc-Secret-01', 'Bmc-Secret-02', 'Bmc-Secret-03', 'alice-pw-123', hil.adminPassword, hil.adminToken]) {
      expect(everything).not.toContain(secret);
    }
    // The log really was written (so the absence above means something).
    expect(hil.logs.filter((l) => l.includes('"url":"/v0/node/node-01"')).length).toBeGreaterThan(0);
  });
});
