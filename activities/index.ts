import type { ActivityDeps } from './deps';
import { createAccessActivities } from './access';
import { createBookingActivities } from './booking';
import { createHeadnodeActivities } from './headnode';
import { createConsoleActivities } from './console-capture';
import { createHilDeviceActivities } from './hil-devices';
import { createImagingActivities } from './imaging';
import { createNetworkActivities } from './network';
import { createNetworkActionActivities } from './network-actions';
import { createPowerActivities } from './power';
import { createPowerActionActivities } from './power-actions';
import { createSwitchActivities } from './switch';
import { createVpnActivities } from './vpn';
import { createDirectoryUserActivities } from './directory-users';
import { hostAccessRecorder } from './host-access';
import { recordingSteps } from './step-recorder';

/** Every activity the booking workflows call, built from one set of dependencies. */
export function createActivities(deps: ActivityDeps) {
  const activities = {
    ...createBookingActivities(deps),
    ...createPowerActivities(deps),
    ...createImagingActivities(deps),
    ...createSwitchActivities(deps),
    ...createNetworkActivities(deps),
    ...createAccessActivities(deps),
    ...createVpnActivities(deps),
    ...createHeadnodeActivities(deps),
    ...createNetworkActionActivities(deps),
    ...createPowerActionActivities(deps),
    ...createHilDeviceActivities(deps),
    ...createConsoleActivities(deps),
    ...createDirectoryUserActivities(deps),
  };
  // Each step and undo keeps its record in the read model itself: no progress report to the workflow.
  return recordingSteps(activities, deps.events, hostAccessRecorder(deps));
}

export type Activities = ReturnType<typeof createActivities>;
