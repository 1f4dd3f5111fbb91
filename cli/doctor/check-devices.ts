import type { Lab } from '../../config/lab';
import { checkBmcTarget } from '../../drivers/power/bmc-target';
import { parkingVlan } from '../../drivers/switch/engine';
import { switchDrivers } from '../../drivers/switch/drivers';
import { BROCADE_INTERFACE_TYPES } from '../../drivers/switch/brocade';
import { checkInterfaceType, os9Commands } from '../../drivers/switch/dellnos9';
import { ovsCommands } from '../../drivers/switch/ovs';
import { commandTimeout } from '../../drivers/switch/ssh-connect';
import type { SwitchDriver, SwitchTarget } from '../../drivers/switch/switch';
import { SimLab } from '../../sim/lab/lab';
import { simDrivers } from '../../sim/lab/drivers';
import { hasSimulatedParts } from '../../config/lab';
import type { LabDevices, SwitchDevice } from './devices';
import { type Findings, messageOf } from './findings';

/** The BMC types a worker of this lab can drive (workers/drivers.ts builds the same set). */
export function powerTypes(lab: Lab): string[] {
  return hasSimulatedParts(lab) ? ['ipmi', 'sim'] : ['ipmi'];
}

/** The switch drivers a worker of this lab has, by type. */
export function switchDriversOf(lab: Lab): Record<string, SwitchDriver> {
  return { ...switchDrivers, ...(hasSimulatedParts(lab) ? simDrivers(new SimLab(lab)).switches : {}) };
}

/** Options each driver reads (drivers/switch/*); anything else is a typo the driver silently ignores. */
const KNOWN_OPTIONS: Record<string, string[]> = {
  nxos: ['timeoutMs', 'parkingVlan', 'hostKeySha256', 'privateKeyFile'],
  os10: ['timeoutMs', 'parkingVlan', 'hostKeySha256', 'privateKeyFile'],
  ovs: ['timeoutMs', 'parkingVlan', 'hostKeySha256', 'privateKeyFile', 'db'],
  nxapi: ['timeoutMs', 'parkingVlan', 'scheme'],
  sim: [],
  delln3000: ['timeoutMs', 'parkingVlan', 'dummy_vlan', 'hostKeySha256', 'privateKeyFile'],
  powerconnect55xx: ['timeoutMs', 'hostKeySha256', 'privateKeyFile'],
  dellnos9: ['timeoutMs', 'scheme', 'interface_type'],
  brocade: ['timeoutMs', 'scheme', 'interface_type'],
};
const SSH_TYPES = new Set(['nxos', 'os10', 'ovs', 'delln3000', 'powerconnect55xx']);
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/**
 * Every BMC and switch the workers will drive: a driver exists for its type, its
 * address and options would be accepted, and every cabled port is a port name
 * its driver accepts (validatePort: nothing is sent).
 */
export function checkDevices(lab: Lab, devices: LabDevices, findings: Findings): void {
  const power = powerTypes(lab);
  for (const bmc of devices.bmcs) {
    if (!power.includes(bmc.type)) {
      findings.error(bmc.place, `host ${bmc.host}: BMC type ${bmc.type} has no driver in this lab (expected ${power.join(' or ')})`);
      continue;
    }
    if (!bmc.credential) findings.error(bmc.place, `host ${bmc.host}: the BMC names no credential`);
    if (bmc.type !== 'ipmi') continue;
    try {
      // Stand-in user and password: those are checked once the credential is opened.
      checkBmcTarget({ host: bmc.host, address: bmc.address, port: bmc.port, username: 'doctor', password: 'stand-in' });
    } catch (err) {
      findings.error(bmc.place, messageOf(err));
    }
  }
  const drivers = switchDriversOf(lab);
  for (const sw of devices.switches) {
    const driver = drivers[sw.type];
    if (!driver) {
      findings.error(sw.place, `switch ${sw.name}: type ${sw.type} has no driver in this lab (expected one of ${Object.keys(drivers).join(', ')})`);
      continue;
    }
    if (!sw.credential) findings.error(sw.place, `switch ${sw.name}: names no credential`);
    checkSwitchOptions(lab, sw, findings);
    for (const use of sw.ports) {
      try {
        driver.validatePort(use.port);
      } catch (err) {
        findings.error(use.place, `switch ${sw.name} (${sw.type}) does not accept this port: ${messageOf(err)}`);
      }
    }
  }
}

function checkSwitchOptions(lab: Lab, sw: SwitchDevice, findings: Findings): void {
  const target: SwitchTarget = { name: sw.name, type: sw.type, address: sw.address, username: '', password: '', options: sw.options };
  const known = KNOWN_OPTIONS[sw.type] ?? [];
  for (const key of Object.keys(sw.options)) {
    if (!known.includes(key)) findings.warning(`${sw.place}.options`, `switch ${sw.name}: the ${sw.type} driver ignores option ${key} (it reads ${known.join(', ') || 'none'})`);
  }
  const check = (what: () => unknown) => {
    try {
      what();
    } catch (err) {
      findings.error(`${sw.place}.options`, `switch ${sw.name}: ${messageOf(err)}`);
    }
  };
  check(() => commandTimeout(target));
  check(() => {
    const parking = parkingVlan(target);
    // A reset port sits on the parking VLAN: inside the pool it would join some booking's network.
    if (parking >= lab.vlanPool.from && parking <= lab.vlanPool.to) {
      throw new Error(`parking VLAN ${parking} lies in the lab's VLAN pool ${lab.vlanPool.from}-${lab.vlanPool.to}; a reset port would carry a booking's VLAN`);
    }
  });
  if (sw.type === 'ovs') check(() => ovsCommands(sw.options.db));
  if (sw.type === 'dellnos9') check(() => os9Commands(sw.options.interface_type));
  if (sw.type === 'brocade') check(() => checkInterfaceType(sw.options.interface_type, BROCADE_INTERFACE_TYPES, 'TenGigabitEthernet'));
  if (sw.type === 'nxapi' && sw.options.scheme !== undefined && !['http', 'https'].includes(sw.options.scheme)) {
    findings.error(`${sw.place}.options`, `switch ${sw.name}: option scheme must be http or https, not ${sw.options.scheme}`);
  }
  const pinned = sw.options.hostKeySha256;
  if (pinned !== undefined && !FINGERPRINT.test(pinned)) {
    findings.error(`${sw.place}.options`, `switch ${sw.name}: option hostKeySha256 must look like "SHA256:" and 43 base64 characters (ssh-keygen -lf)`);
  }
  if (SSH_TYPES.has(sw.type) && pinned === undefined) {
    findings.note(`${sw.place}.options`, `switch ${sw.name}: no hostKeySha256, so the worker logs in to whatever answers at ${sw.address}`);
  }
}
