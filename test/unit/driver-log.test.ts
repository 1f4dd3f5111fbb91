import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { withDriverLog, driverLog } from '../../config/driver-log';
import { createLogger } from '../../workers/logging';
import { IpmitoolPower } from '../../drivers/power/ipmitool';

// Drivers log at debug through the running step's child logger: each line carries the booking,
// host and step, and never the device's password.
describe('driver debug logs', () => {
  it('carry the step fields, say what was sent to the device, and leave the password out', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const step = createLogger('worker', 'debug', sink).child({ bookingId: 'b-42', host: 'node-7', step: 'preparePower', attempt: 1 });
    // `true` stands in for ipmitool: the driver's own command line and logging are what is checked.
    const power = new IpmitoolPower({ binary: 'true' });
    await withDriverLog(step, () => power.off({ host: 'node-7', address: '192.0.2.7', port: 623, username: 'admin', password: 'bmc-pass-S3cret' }));
    expect(lines.map((l) => l.msg)).toEqual(['ipmitool chassis power off', 'ipmitool chassis power off: exit 0']);
    for (const l of lines) expect(l).toMatchObject({ level: 20, bookingId: 'b-42', host: 'node-7', step: 'preparePower', bmc: '192.0.2.7:623' });
    expect(JSON.stringify(lines)).not.toContain('bmc-pass-S3cret');
  });

  it('are silent outside a step, and at info level', async () => {
    expect(driverLog().isLevelEnabled('debug')).toBe(false);
    const lines: string[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) });
    await withDriverLog(createLogger('worker', 'info', sink), () => new IpmitoolPower({ binary: 'true' }).on({ host: 'h', address: '192.0.2.8', port: 623, username: 'u', password: 'p' }));
    expect(lines).toEqual([]);
  });
});
