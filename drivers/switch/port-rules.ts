import { InvalidInput } from '../errors';
import { switchDrivers } from './drivers';

/**
 * The simulated switch's ports (sim/lab): Ethernet1/1 to Ethernet1/48, as its driver and `laas doctor`
 * accept them, and those of HIL's mock switch (gi1/0/1, te1/1), which it stands in for.
 */
export const SIM_PORT = /^(Ethernet1\/([1-9]|[1-3][0-9]|4[0-8])|(gi|te)\d{1,2}\/\d{1,2}(\/\d{1,2})?)$/;

/**
 * Throws InvalidInput when the driver of switch type `type` would refuse `port`: the same rule
 * for lab import, /v0, npm start and the driver itself, so nothing is accepted that a step
 * would later refuse. Nothing is sent to any switch.
 */
export function checkPortFor(type: string, port: string): void {
  if (type === 'sim') {
    if (!SIM_PORT.test(port)) throw new InvalidInput('port', port, 'the simulated switch has ports Ethernet1/1 to Ethernet1/48, or gi/te ports as HIL\'s mock switch');
    return;
  }
  const driver = switchDrivers[type];
  if (!driver) throw new InvalidInput('switch type', type, `expected one of sim, ${Object.keys(switchDrivers).join(', ')}`);
  driver.validatePort(port);
}

/** The refusal as a sentence for a report (lab import), or null when the port is fine. */
export function portRefusal(type: string, port: string): string | null {
  try {
    checkPortFor(type, port);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
