import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { heartbeating } from './heartbeat';
import { attempt, type StepDone } from './power';

export interface HeadnodeStepInput {
  bookingId: string;
  image: string;
  networks: { name: string; vlan: number }[];
}

/** Domain names are derived from the booking id, so a retried create finds its own domain. */
export function headnodeName(bookingId: string): string {
  return `laas-${bookingId}-headnode`;
}

export function createHeadnodeActivities(deps: Pick<ActivityDeps, 'drivers' | 'timing'>) {
  const headnodes = deps.drivers.headnode;
  return {
    async createHeadnode(input: HeadnodeStepInput): Promise<StepDone & { name: string; console?: { type: string; host: string; port: number } }> {
      return heartbeating(deps.timing, async () => {
        const hn = await asStep(() =>
          headnodes.create({ name: headnodeName(input.bookingId), baseImage: input.image, vcpus: 1, memoryMiB: 1024, networks: input.networks }),
        );
        return { attempt: attempt(), name: hn.name, ...(hn.console ? { console: hn.console } : {}) };
      });
    },
    async destroyHeadnode({ bookingId }: { bookingId: string }): Promise<void> {
      await heartbeating(deps.timing, () => asStep(() => headnodes.destroy(headnodeName(bookingId))));
    },
  };
}
