import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { withDriverLog, driverLog } from '../../config/driver-log';
import { createLogger } from '../../workers/logging';
import { IpmitoolPower } from '../../drivers/power/ipmitool';
import { powerconnectDriver } from '../../drivers/switch/dell-cli';
import { createDellState, DellCli } from '../../sim/nxos/dell-cli';
import { startSwitchSsh } from '../../sim/nxos/ssh-server';

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

  it('name the switch commands a step sends over SSH, and the refused one, without the login password', async () => {
    const state = createDellState('powerconnect', 4);
    const sim = await startSwitchSsh({ newCli: () => new DellCli(state), received: state.received, username: 'admin', password: 'dell-S3cret' });
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const step = createLogger('worker', 'debug', sink).child({ bookingId: 'b-43', host: 'node-2', step: 'configureSwitchPorts', attempt: 1 });
    try {
      await withDriverLog(step, async () => {
        const target = { name: 'pc1', type: 'powerconnect55xx', address: '127.0.0.1', port: sim.port, username: 'admin', password: 'dell-S3cret', options: { hostKeySha256: sim.hostKeySha256 } };
        const session = await powerconnectDriver.open(target);
        try {
          await session.ensureVlan(1005);
          await session.setNativeVlan('gi1/0/1', 1005);
          await expect(session.setNativeVlan('gi1/0/99', 1005)).rejects.toThrow();
        } finally {
          await session.close();
        }
      });
    } finally {
      await sim.close();
    }
    const configuring = lines.filter((l) => String(l.msg).startsWith('switch pc1: configuring'));
    expect(configuring.length).toBeGreaterThanOrEqual(2);
    // What went to the switch is the line the simulator received, in the step's context.
    const sentCommands = configuring.flatMap((l) => l.commands as string[]);
    for (const c of sentCommands) expect(state.received).toContain(c);
    expect(sentCommands.some((c) => c.includes('gi1/0/1'))).toBe(true);
    for (const l of configuring) expect(l).toMatchObject({ level: 20, bookingId: 'b-43', host: 'node-2', step: 'configureSwitchPorts', switch: 'pc1' });
    expect(lines.some((l) => String(l.msg).startsWith('switch pc1: "') && String(l.command).includes('gi1/0/99'))).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('dell-S3cret');
  });

  it('are silent outside a step, and at info level', async () => {
    expect(driverLog().isLevelEnabled('debug')).toBe(false);
    const lines: string[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) });
    await withDriverLog(createLogger('worker', 'info', sink), () => new IpmitoolPower({ binary: 'true' }).on({ host: 'h', address: '192.0.2.8', port: 623, username: 'u', password: 'p' }));
    expect(lines).toEqual([]);
  });
});
