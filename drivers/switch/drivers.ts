import { InvalidInput } from '../errors';
import { brocadeDriver } from './brocade';
import { n3000Driver, powerconnectDriver } from './dell-cli';
import { os9Driver } from './dellnos9';
import { nxapiDriver } from './nxapi';
import { nxosDriver } from './nxos';
import { os10Driver } from './os10';
import { ovsDriver } from './ovs';
import type { SwitchDriver } from './switch';

/** The switch drivers by the `type` a lab file names (the in-process `sim` type lives with the sim lab). */
export const switchDrivers: Readonly<Record<string, SwitchDriver>> = {
  nxos: nxosDriver,
  nxapi: nxapiDriver,
  os10: os10Driver,
  ovs: ovsDriver,
  delln3000: n3000Driver,
  powerconnect55xx: powerconnectDriver,
  dellnos9: os9Driver,
  brocade: brocadeDriver,
};

export function switchDriverFor(type: string): SwitchDriver {
  const driver = switchDrivers[type];
  if (!driver) throw new InvalidInput('switch type', type, `expected one of ${Object.keys(switchDrivers).join(', ')}`);
  return driver;
}
