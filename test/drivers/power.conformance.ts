/**
 * What every PowerDriver must do, checked against a real BMC. The rig reports
 * what the BMC carried out in ipmi_sim's chassis_control words ("set power 1",
 * "set boot pxe", "set shutdown 1"); the driver must cause exactly those.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import {
  BmcAuthFailed,
  BmcUnreachable,
  type BmcTarget,
  type PowerDriver,
  type PowerState,
} from '../../drivers/power/power';

export interface PowerRig {
  /** Configured with a short per-call bound (see powerConformance's callTimeoutMs). */
  driver: PowerDriver;
  /** A BMC that accepts these credentials. */
  bmc: BmcTarget;
  /** An address and port where nothing answers. */
  unreachableBmc: BmcTarget;
  /** Chassis changes the BMC carried out since the last clear, oldest first. */
  chassisChanges(): Promise<string[]>;
  clearCalls(): Promise<void>;
  /** Set the host's power without the driver. */
  setPower(state: PowerState): Promise<void>;
  power(): Promise<PowerState>;
}

/** Waits (bounded) until the BMC has carried out `count` changes; BMCs finish a cycle after answering. */
async function changesAfter(rig: PowerRig, count: number, withinMs = 5000): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const changes = await rig.chassisChanges();
    if (changes.length >= count || Date.now() > deadline) return changes;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function failure(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

function leaksSecret(err: Error, secret: string): boolean {
  return [err.message, err.stack ?? '', JSON.stringify(err)].some((text) => text.includes(secret));
}

/** `callTimeoutMs` is the per-call bound the rig's driver was configured with. */
export function powerConformance(name: string, getRig: () => PowerRig, { callTimeoutMs }: { callTimeoutMs: number }): void {
  describe(`PowerDriver conformance: ${name}`, () => {
    beforeEach(async () => {
      await getRig().clearCalls();
    });

    it('reports the power state the host is in', async () => {
      const rig = getRig();
      await rig.setPower('on');
      expect(await rig.driver.status(rig.bmc)).toBe('on');
      await rig.setPower('off');
      expect(await rig.driver.status(rig.bmc)).toBe('off');
      expect(await rig.chassisChanges()).toEqual([]);
    });

    it('powers a host on and off', async () => {
      const rig = getRig();
      await rig.setPower('off');
      await rig.driver.on(rig.bmc);
      expect(await rig.power()).toBe('on');
      await rig.driver.off(rig.bmc);
      expect(await rig.power()).toBe('off');
      expect(await rig.chassisChanges()).toEqual(['set power 1', 'set power 0']);
    });

    it('cycling a host that is off only powers it on', async () => {
      const rig = getRig();
      await rig.setPower('off');
      await rig.driver.cycle(rig.bmc);
      // A driver that sent a real cycle would show "set power 0" first.
      expect(await rig.chassisChanges()).toEqual(['set power 1']);
      expect(await rig.power()).toBe('on');
    });

    it('cycling a host that is on turns it off, then on', async () => {
      const rig = getRig();
      await rig.setPower('on');
      await rig.driver.cycle(rig.bmc);
      expect(await changesAfter(rig, 2)).toEqual(['set power 0', 'set power 1']);
      expect(await rig.power()).toBe('on');
    });

    it('soft off asks the OS to shut down', async () => {
      const rig = getRig();
      await rig.setPower('on');
      await rig.driver.softOff(rig.bmc);
      expect(await rig.chassisChanges()).toEqual(['set shutdown 1']);
      expect(await rig.power()).toBe('off');
    });

    it('sets the boot device to PXE or disk, once or persistently', async () => {
      const rig = getRig();
      await rig.driver.setBootDevice(rig.bmc, 'pxe', { persistent: false });
      await rig.driver.setBootDevice(rig.bmc, 'disk', { persistent: false });
      await rig.driver.setBootDevice(rig.bmc, 'pxe', { persistent: true });
      // ipmi_sim names the default hard disk "default".
      expect(await rig.chassisChanges()).toEqual(['set boot pxe', 'set boot default', 'set boot pxe']);
    });

    it('a wrong password is BmcAuthFailed, not retryable, and not echoed', async () => {
      const rig = getRig();
      const wrong = 'Wr0ngPassw0rd';
      const err = await failure(rig.driver.on({ ...rig.bmc, password: wrong }));
      expect(err).toBeInstanceOf(BmcAuthFailed);
      expect((err as BmcAuthFailed).retryable).toBe(false);
      expect(err.message).toContain(rig.bmc.host);
      expect(leaksSecret(err, wrong)).toBe(false);
      expect(await rig.chassisChanges()).toEqual([]);
    });

    it(
      'a BMC that does not answer is BmcUnreachable within the configured bound',
      async () => {
        const rig = getRig();
        const err = await failure(rig.driver.status(rig.unreachableBmc));
        expect(err).toBeInstanceOf(BmcUnreachable);
        expect((err as BmcUnreachable).retryable).toBe(true);
        expect(leaksSecret(err, rig.unreachableBmc.password)).toBe(false);
      },
      // The bound is the test: a driver that waits out ipmitool's own retries fails here.
      callTimeoutMs + 5000,
    );

    it('refuses values that would not be safe on a command line, before reaching the BMC', async () => {
      const rig = getRig();
      const bad: Array<[string, BmcTarget]> = [
        ['address', { ...rig.bmc, address: '-oProxyCommand=x' }],
        ['address', { ...rig.bmc, address: '127.0.0.1; reboot' }],
        ['port', { ...rig.bmc, port: 0 }],
        ['port', { ...rig.bmc, port: 70000 }],
        ['user name', { ...rig.bmc, username: '-E' }],
        ['user name', { ...rig.bmc, username: 'admin user' }],
        ['password', { ...rig.bmc, password: 'x'.repeat(21) }],
        ['password', { ...rig.bmc, password: '' }],
      ];
      for (const [what, target] of bad) {
        const err = await failure(rig.driver.on(target));
        expect(err, what).toBeInstanceOf(InvalidInput);
        expect(err.message, what).toContain(what);
        if (target.password !== '') expect(leaksSecret(err, target.password), what).toBe(false);
      }
      expect(await rig.chassisChanges()).toEqual([]);
    });
  });
}
