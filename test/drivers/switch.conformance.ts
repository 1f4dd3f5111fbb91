import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import { SwitchAuthFailed, SwitchRejected, SwitchUnreachable, type SwitchDriver, type SwitchSession, type SwitchTarget } from '../../drivers/switch/switch';

/** What a switch driver's test hands the shared suite, once its counterpart runs. */
export interface SwitchUnderTest {
  driver: SwitchDriver;
  target: SwitchTarget;
  /** Two ports of the switch the suite may reconfigure. */
  ports: [string, string];
  /** A well-formed port name the switch does not have. */
  missingPort: string;
  /** The same switch with credentials it refuses. */
  wrongCredentials: SwitchTarget;
  /** Every command line the switch has received so far. */
  received(): Promise<string[]>;
}

const EMPTY = { native: null, tagged: [] };

/** Every switch driver, against its real counterpart or simulator, must pass these. */
export function switchConformance(name: string, get: () => SwitchUnderTest): void {
  describe(`switch driver conformance: ${name}`, () => {
    const open: SwitchSession[] = [];
    const session = async (target?: SwitchTarget) => {
      const sut = get();
      const s = await sut.driver.open(target ?? sut.target);
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    it('a reset port carries no VLAN', async () => {
      const [p1] = get().ports;
      const s = await session();
      await s.resetPort(p1);
      expect(await s.readPort(p1)).toEqual(EMPTY);
    });

    it('puts a port on a native VLAN and tagged VLANs, reads them back, and saves', async () => {
      const [p1, p2] = get().ports;
      const s = await session();
      for (const v of [101, 102, 103]) await s.ensureVlan(v);
      await s.resetPort(p1);
      await s.resetPort(p2);
      await s.setNativeVlan(p1, 101);
      await s.addTaggedVlans(p1, [103, 102]);
      await s.save();
      expect(await s.readPort(p1)).toEqual({ native: 101, tagged: [102, 103] });
      // The neighbouring port is untouched.
      expect(await s.readPort(p2)).toEqual(EMPTY);
    });

    it('removes one tagged VLAN and keeps the rest', async () => {
      const [p1] = get().ports;
      const s = await session();
      for (const v of [101, 102, 103]) await s.ensureVlan(v);
      await s.resetPort(p1);
      await s.setNativeVlan(p1, 101);
      await s.addTaggedVlans(p1, [102, 103]);
      await s.removeTaggedVlans(p1, [102]);
      expect(await s.readPort(p1)).toEqual({ native: 101, tagged: [103] });
    });

    it('a new native VLAN replaces the old one, and tagged-only ports have no native VLAN', async () => {
      const [p1, p2] = get().ports;
      const s = await session();
      for (const v of [101, 102, 103, 104]) await s.ensureVlan(v);
      await s.resetPort(p1);
      await s.setNativeVlan(p1, 101);
      await s.addTaggedVlans(p1, [103]);
      await s.setNativeVlan(p1, 102);
      expect(await s.readPort(p1)).toEqual({ native: 102, tagged: [103] });
      await s.resetPort(p2);
      await s.addTaggedVlans(p2, [104]);
      expect(await s.readPort(p2)).toEqual({ native: null, tagged: [104] });
    });

    it('reset takes every VLAN off a port', async () => {
      const [p1] = get().ports;
      const s = await session();
      for (const v of [101, 102]) await s.ensureVlan(v);
      await s.setNativeVlan(p1, 101);
      await s.addTaggedVlans(p1, [102]);
      await s.resetPort(p1);
      await s.save();
      expect(await s.readPort(p1)).toEqual(EMPTY);
    });

    it('refuses unsafe ports and VLAN ids before anything reaches the switch', async () => {
      const sut = get();
      const [p1] = sut.ports;
      const s = await session();
      const before = (await sut.received()).length;
      const badPorts = [`${p1}\nreload`, `${p1}; reboot`, `${p1} ; shutdown`, '', '../etc', `$(reboot)`];
      for (const port of badPorts) {
        expect(() => sut.driver.validatePort(port)).toThrow(InvalidInput);
        await expect(s.resetPort(port)).rejects.toBeInstanceOf(InvalidInput);
        await expect(s.setNativeVlan(port, 100)).rejects.toBeInstanceOf(InvalidInput);
      }
      const badVlans: unknown[] = [0, 4095, -1, 1.5, Number.NaN, '100', '1; rm -rf /', null];
      for (const vlan of badVlans) {
        await expect(s.ensureVlan(vlan as number)).rejects.toBeInstanceOf(InvalidInput);
        await expect(s.setNativeVlan(p1, vlan as number)).rejects.toBeInstanceOf(InvalidInput);
        await expect(s.addTaggedVlans(p1, [100, vlan as number])).rejects.toBeInstanceOf(InvalidInput);
        await expect(s.removeTaggedVlans(p1, [vlan as number])).rejects.toBeInstanceOf(InvalidInput);
      }
      await expect(s.addTaggedVlans(p1, '100' as unknown as number[])).rejects.toBeInstanceOf(InvalidInput);
      expect(await sut.received()).toHaveLength(before);
      expect(() => sut.driver.validatePort(p1)).not.toThrow();
    });

    it('a port the switch does not have is rejected with the switch’s own message', async () => {
      const sut = get();
      const s = await session();
      const err = await s.readPort(sut.missingPort).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SwitchRejected);
      expect((err as SwitchRejected).details.output).not.toBe('');
      // The session is still usable afterwards.
      await s.resetPort(sut.ports[0]);
      expect(await s.readPort(sut.ports[0])).toEqual(EMPTY);
    });

    it('wrong credentials are SwitchAuthFailed and the secret is not in the message', async () => {
      const sut = get();
      const err = await sut.driver.open(sut.wrongCredentials).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SwitchAuthFailed);
      if (sut.wrongCredentials.password) expect(String(err)).not.toContain(sut.wrongCredentials.password);
    });

    it('a switch that does not answer is SwitchUnreachable', async () => {
      const sut = get();
      // Port 9 (discard) is not served on loopback here: the connection is refused.
      const err = await sut.driver.open({ ...sut.target, port: 9 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SwitchUnreachable);
    });
  });
}
