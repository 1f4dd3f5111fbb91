import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// Under npm start (LAAS_LOG_PRETTY=1) one readable line per event, the process name first;
// otherwise pino's JSON lines.
const root = join(import.meta.dirname, '..', '..');
const script = `import { createLogger } from './workers/logging.ts';
const log = createLogger('worker', 'info');
log.info({ bookingId: 'b1', host: 'sim-01', step: 'imageHost' }, 'step imageHost finished');
log.warn({ bookingId: 'b1' }, 'step configureSwitchPorts failed');`;
const run = (pretty: boolean) =>
  execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, LAAS_LOG_PRETTY: pretty ? '1' : '0' } });

describe('log format', () => {
  it('is one line per event, process name first, under npm start', () => {
    expect(run(true).trim().split('\n')).toEqual([
      'worker info: step imageHost finished {"bookingId":"b1","host":"sim-01","step":"imageHost"}',
      'worker warn: step configureSwitchPorts failed {"bookingId":"b1"}',
    ]);
  }, 30_000);

  it('is JSON lines otherwise', () => {
    const lines = run(false).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.name, l.level, l.msg])).toEqual([['worker', 30, 'step imageHost finished'], ['worker', 40, 'step configureSwitchPorts failed']]);
  }, 30_000);
});
