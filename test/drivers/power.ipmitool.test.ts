/**
 * The ipmitool power driver against a real BMC (OpenIPMI's ipmi_sim on loopback).
 * ipmitool is run through a thin wrapper that records the argv and environment
 * the child process actually received, then execs the real ipmitool.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import { IpmitoolPower } from '../../drivers/power/ipmitool';
import { BmcCommandFailed } from '../../drivers/power/power';
import { freeUdpPort, startIpmiSim, type IpmiSim } from '../../sim/counterparts/ipmi-sim';
import { powerConformance, type PowerRig } from './power.conformance';

const callTimeoutMs = 3000;
let bmc: IpmiSim;
let rig: PowerRig;
let dir: string;
let wrapper: string;
let seenLog: string;

const wrapperScript = (log: string): string => `#!/bin/sh
printf 'argv:' >> '${log}'
for a in "$@"; do printf ' %s' "$a" >> '${log}'; done
printf '\\n' >> '${log}'
if [ -n "$IPMI_PASSWORD" ]; then echo 'env: IPMI_PASSWORD set' >> '${log}'; fi
exec ipmitool "$@"
`;

async function seen(): Promise<string[]> {
  return (await readFile(seenLog, 'utf8')).split('\n').filter((l) => l !== '');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laas-power-test-'));
  seenLog = join(dir, 'seen.log');
  wrapper = join(dir, 'ipmitool');
  await writeFile(wrapper, wrapperScript(seenLog), { mode: 0o700 });
  await writeFile(seenLog, '');
  bmc = await startIpmiSim({ password: 'S3cretPw.42' });
  // ipmitool's own waits (-N 5, -R 5) would take minutes on a dead BMC: the call bound must cut them short.
  const driver = new IpmitoolPower({ binary: wrapper, timeoutMs: callTimeoutMs, attemptSeconds: 5, retries: 5 });
  rig = {
    driver,
    bmc: bmc.target('node01'),
    unreachableBmc: { ...bmc.target('node02'), port: await freeUdpPort() },
    chassisChanges: () => bmc.chassisChanges(),
    clearCalls: () => bmc.clearCalls(),
    setPower: (s) => bmc.setPower(s),
    power: () => bmc.power(),
  };
});

afterAll(async () => {
  await bmc?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

powerConformance('ipmitool against ipmi_sim', () => rig, { callTimeoutMs });

describe('ipmitool power driver', () => {
  beforeEach(async () => {
    await writeFile(seenLog, '');
  });

  it('passes the password in the environment only, over lanplus with cipher suite 3', async () => {
    await rig.driver.status(rig.bmc);
    const lines = await seen();
    const argv = lines.filter((l) => l.startsWith('argv:'));
    expect(argv).toHaveLength(1);
    expect(argv[0]).not.toContain(bmc.password);
    expect(argv[0]).toContain(' -E ');
    expect(argv[0]).toContain(' -I lanplus ');
    expect(argv[0]).toContain(' -C 3 ');
    expect(argv[0]).toContain(` -H 127.0.0.1 -p ${bmc.port} -U ${bmc.username} `);
    expect(lines).toContain('env: IPMI_PASSWORD set');
  });

  it('asks for a persistent boot device only when told to', async () => {
    await rig.driver.setBootDevice(rig.bmc, 'pxe', { persistent: true });
    await rig.driver.setBootDevice(rig.bmc, 'pxe', { persistent: false });
    const argv = (await seen()).filter((l) => l.startsWith('argv:'));
    expect(argv[0]).toMatch(/ chassis bootdev pxe options=persistent$/);
    expect(argv[1]).toMatch(/ chassis bootdev pxe$/);
  });

  it('uses the configured cipher suite', async () => {
    const driver = new IpmitoolPower({ binary: wrapper, cipherSuite: 1, timeoutMs: callTimeoutMs });
    await bmc.setPower('on');
    expect(await driver.status(rig.bmc)).toBe('on');
    expect((await seen())[0]).toContain(' -C 1 ');
  });

  it('a cipher suite the BMC does not offer is a refused command naming the cipher suite', async () => {
    const driver = new IpmitoolPower({ binary: wrapper, cipherSuite: 17, timeoutMs: callTimeoutMs });
    const err = await driver.status(rig.bmc).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BmcCommandFailed);
    expect((err as Error).message).toContain('cipher suite');
  });

  it('never starts ipmitool for a target it refuses', async () => {
    await expect(rig.driver.off({ ...rig.bmc, address: '--help' })).rejects.toBeInstanceOf(InvalidInput);
    await expect(rig.driver.setBootDevice(rig.bmc, 'cdrom' as 'pxe', { persistent: false })).rejects.toBeInstanceOf(InvalidInput);
    expect(await seen()).toEqual([]);
  });

  it('checks its own options', () => {
    expect(() => new IpmitoolPower({ cipherSuite: 99 })).toThrow(/cipher suite/);
    expect(() => new IpmitoolPower({ timeoutMs: 0 })).toThrow(/timeout/);
    expect(() => new IpmitoolPower({ binary: '-x' })).toThrow(/binary/);
  });

  it('a missing ipmitool binary is reported as such', async () => {
    const driver = new IpmitoolPower({ binary: join(dir, 'no-such-ipmitool') });
    await expect(driver.status(rig.bmc)).rejects.toThrow(/ipmitool binary/);
  });
});
