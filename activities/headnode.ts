import type { ActivityDeps } from './deps';
import { asStep } from './failures';
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

export function createHeadnodeActivities(deps: Pick<ActivityDeps, 'drivers'>) {
  const headnodes = deps.drivers.headnode;
  return {
    async createHeadnode(input: HeadnodeStepInput): Promise<StepDone & { name: string; console?: { type: string; host: string; port: number } }> {
      const hn = await asStep(() =>
        headnodes.create({ name: headnodeName(input.bookingId), baseImage: input.image, vcpus: 1, memoryMiB: 1024, networks: input.networks }),
      );
      return { attempt: attempt(), name: hn.name, ...(hn.console ? { console: hn.console } : {}) };
    },
    async destroyHeadnode({ bookingId }: { bookingId: string }): Promise<void> {
      await asStep(() => headnodes.destroy(headnodeName(bookingId)));
    },
  };
}
