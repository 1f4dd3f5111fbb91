import type { ActivityDeps, NetworkActionPlan } from './deps';
import { asStep, badInput } from './failures';
import { labDirectory } from './lab-directory';
import type { PortVlans } from '../drivers/switch/switch';

const NATIVE = 'vlan/native';

/** The port's VLANs once the action is done: what it carries, with the change applied. */
export function wantedPort(plan: NetworkActionPlan): PortVlans {
  if (plan.type === 'revert_port') return { native: null, tagged: [] };
  const kept = plan.current.filter((c) => c.channel !== plan.channel);
  const all = plan.network ? [...kept, { channel: plan.channel, network: plan.network.name, vlan: plan.network.vlan }] : kept;
  const native = all.find((c) => c.channel === NATIVE)?.vlan ?? null;
  const tagged = all.filter((c) => c.channel !== NATIVE).map((c) => c.vlan).sort((a, b) => a - b);
  return { native, tagged };
}

export function createNetworkActionActivities(deps: Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'switchLock' | 'networkActions'>) {
  const lab = labDirectory(deps);
  const store = () => {
    if (!deps.networkActions) throw badInput('this worker has no networking-action store');
    return deps.networkActions;
  };
  return {
    /**
     * Carry a HIL networking action out on its switch port: the port is set to exactly what it
     * should carry afterwards (so a retry converges), saved, and read back to check.
     */
    async applyNetworkAction({ id }: { id: string }): Promise<PortVlans> {
      const plan = await asStep(() => store().plan(id));
      const target = await lab.switchOf(plan.switch);
      const driver = deps.drivers.switches[target.type];
      if (!driver) throw badInput(`no driver for switch type ${target.type}`);
      driver.validatePort(plan.port);
      const wanted = wantedPort(plan);
      const change = async (): Promise<PortVlans> => {
        const session = await driver.open(target);
        try {
          for (const v of [...(wanted.native ? [wanted.native] : []), ...wanted.tagged]) await session.ensureVlan(v);
          await session.resetPort(plan.port);
          if (wanted.native) await session.setNativeVlan(plan.port, wanted.native);
          if (wanted.tagged.length) await session.addTaggedVlans(plan.port, wanted.tagged);
          await session.save();
          return await session.readPort(plan.port);
        } finally {
          await session.close();
        }
      };
      const seen = await asStep(() => (deps.switchLock ? deps.switchLock(plan.switch, change) : change()));
      if (seen.native !== wanted.native || seen.tagged.join(',') !== wanted.tagged.join(',')) {
        throw badInput(`switch ${plan.switch} port ${plan.port} reads back ${JSON.stringify(seen)}, wanted ${JSON.stringify(wanted)}`);
      }
      return seen;
    },
    async finishNetworkAction({ id, error }: { id: string; error?: string }): Promise<void> {
      await asStep(() => store().finish(id, error === undefined ? { ok: true } : { ok: false, error }));
    },
  };
}
