/**
 * What every HostDriver must do, run against each implementation with its counterpart.
 *
 * Commands the suite runs on the host (a simulated host must understand these):
 * `printf '%s\n' ARGS...`, `cat` (stdin to stdout), `cat PATH` (missing → exit 1 with
 * "No such file" on stderr), `sleep SECONDS`, `hostname`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import {
  HostCommandFailed,
  HostCommandTimedOut,
  HostFileFailed,
  type HostDriver,
  type HostTarget,
} from '../../drivers/host/host';

export interface HostUnderTest {
  driver: HostDriver;
  target: HostTarget;
  /** An existing directory on the host the suite may fill. */
  scratchDir: string;
  /** Permission bits of a file on the host, read by the harness (not through the driver). */
  fileMode(path: string): Promise<number>;
  /** Long enough for one reboot of this host. */
  rebootTimeoutMs: number;
  stop(): Promise<void>;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure, got success');
}

export function hostDriverConformance(name: string, start: () => Promise<HostUnderTest>): void {
  describe(`HostDriver conformance: ${name}`, () => {
    let h: HostUnderTest;
    const path = (file: string): string => `${h.scratchDir}/${file}`;

    beforeAll(async () => {
      h = await start();
    });
    afterAll(async () => {
      await h?.stop();
    });

    describe('exec', () => {
      it('passes every argument literally, whatever a shell would make of it', async () => {
        const args = ["it's", '$HOME', '`id`', '$(id)', 'a; echo injected', '*', '', '  two  spaces ', '"dq"', 'back\\slash', 'ünïcödé', '-n'];
        const result = await h.driver.exec(h.target, ['printf', '%s\\n', ...args]);
        expect(result.code).toBe(0);
        expect(result.stdout).toBe(args.map((a) => `${a}\n`).join(''));
      });

      it('feeds stdin to the command', async () => {
        const input = 'first line\nsecond $(line) `x`\n';
        expect((await h.driver.exec(h.target, ['cat'], { stdin: input })).stdout).toBe(input);
      });

      it('reports a failing command as HostCommandFailed with its exit code and stderr', async () => {
        const err = await rejection(h.driver.exec(h.target, ['cat', path('no-such-file')]));
        expect(err).toBeInstanceOf(HostCommandFailed);
        expect((err as HostCommandFailed).details).toMatchObject({ code: 1 });
        expect((err as HostCommandFailed).details.stderrTail).toMatch(/No such file/);
      });

      it('stops a command past its timeout with HostCommandTimedOut', async () => {
        const err = await rejection(h.driver.exec(h.target, ['sleep', '10'], { timeoutMs: 300 }));
        expect(err).toBeInstanceOf(HostCommandTimedOut);
      });

      it('refuses an empty command or a NUL byte before anything runs', async () => {
        expect(await rejection(h.driver.exec(h.target, []))).toBeInstanceOf(InvalidInput);
        expect(await rejection(h.driver.exec(h.target, ['printf', 'a\0b']))).toBeInstanceOf(InvalidInput);
      });
    });

    describe('files', () => {
      it('writes content exactly and reads it back', async () => {
        const content = `#!/bin/sh\necho "$(id)" \`date\` ; rm -rf /nothing\r\nünï 'q' "d"\nEOF\nno newline at the end`;
        await h.driver.writeFile(h.target, path('exact.txt'), content, { mode: 0o644 });
        expect(await h.driver.readFile(h.target, path('exact.txt'))).toBe(content);
      });

      it('writes large files whole', async () => {
        const content = 'abcdefghij'.repeat(50_000);
        await h.driver.writeFile(h.target, path('large.txt'), content, { mode: 0o644 });
        expect(await h.driver.readFile(h.target, path('large.txt'))).toBe(content);
      });

      it('sets exactly the mode asked for', async () => {
        for (const mode of [0o600, 0o640, 0o755, 0o664]) {
          await h.driver.writeFile(h.target, path(`mode-${mode.toString(8)}`), 'x', { mode });
          expect(await h.fileMode(path(`mode-${mode.toString(8)}`))).toBe(mode);
        }
      });

      it('replaces an existing file, content and mode', async () => {
        await h.driver.writeFile(h.target, path('replace.txt'), 'old content that is longer', { mode: 0o644 });
        await h.driver.writeFile(h.target, path('replace.txt'), 'new', { mode: 0o600 });
        expect(await h.driver.readFile(h.target, path('replace.txt'))).toBe('new');
        expect(await h.fileMode(path('replace.txt'))).toBe(0o600);
      });

      it('reads a missing file as null', async () => {
        expect(await h.driver.readFile(h.target, path('never-written'))).toBeNull();
      });

      it('removes a file, and removing it again is a no-op', async () => {
        await h.driver.writeFile(h.target, path('doomed'), 'x', { mode: 0o644 });
        await h.driver.removeFile(h.target, path('doomed'));
        expect(await h.driver.readFile(h.target, path('doomed'))).toBeNull();
        await h.driver.removeFile(h.target, path('doomed'));
      });

      it('reports a write into a missing directory as HostFileFailed', async () => {
        const err = await rejection(h.driver.writeFile(h.target, path('no-such-dir/file'), 'x', { mode: 0o644 }));
        expect(err).toBeInstanceOf(HostFileFailed);
      });

      it('refuses a relative path, a bad owner or a bad mode before touching the host', async () => {
        expect(await rejection(h.driver.writeFile(h.target, 'relative/file', 'x', { mode: 0o644 }))).toBeInstanceOf(InvalidInput);
        expect(await rejection(h.driver.writeFile(h.target, path('o'), 'x', { mode: 0o644, owner: 'root;reboot' }))).toBeInstanceOf(InvalidInput);
        expect(await rejection(h.driver.writeFile(h.target, path('m'), 'x', { mode: 0o10000 }))).toBeInstanceOf(InvalidInput);
        expect(await rejection(h.driver.readFile(h.target, `${h.scratchDir}/../etc/shadow`))).toBeInstanceOf(InvalidInput);
        expect(await h.driver.readFile(h.target, path('o'))).toBeNull();
      });
    });

    describe('hostname', () => {
      it('sets an RFC 1123 host name the host then reports', async () => {
        await h.driver.setHostname(h.target, 'node-07.lab.example');
        expect((await h.driver.exec(h.target, ['hostname'])).stdout.trim()).toBe('node-07.lab.example');
      });

      it('refuses names outside RFC 1123 and keeps the current one', async () => {
        const bad = ['-lead', 'trail-', 'under_score', 'a..b', '.lead', 'x'.repeat(65), 'semi;colon', 'sp ace', '', 'ünï', `${'a'.repeat(64)}.b`];
        for (const name of bad) {
          const err = await rejection(h.driver.setHostname(h.target, name));
          expect(err, name).toBeInstanceOf(InvalidInput);
        }
        expect((await h.driver.exec(h.target, ['hostname'])).stdout.trim()).toBe('node-07.lab.example');
      });
    });

    describe('reboot', () => {
      it('reboots, reports its waits, and returns once the host answers again', async () => {
        await h.driver.setHostname(h.target, 'after-reboot');
        const waits: number[] = [];
        await h.driver.reboot(h.target, { timeoutMs: h.rebootTimeoutMs, onWait: (elapsed) => waits.push(elapsed) });
        expect(waits.length).toBeGreaterThan(0);
        expect(waits).toEqual([...waits].sort((a, b) => a - b));
        // The host is usable again and kept its name through the reboot.
        expect((await h.driver.exec(h.target, ['hostname'])).stdout.trim()).toBe('after-reboot');
      });
    });
  });
}
