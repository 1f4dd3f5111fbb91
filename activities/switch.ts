import type { NicPlan } from '../workflows/types';
import type { ActivityDeps } from './deps';
import { asStep, badInput } from './failures';
import { heartbeating } from './heartbeat';
import { labDirectory } from './lab-directory';
import { attempt, type StepDone } from './power';
import type { SwitchDriver, SwitchSession } from '../drivers/switch/switch';

function accepts(driver: SwitchDriver | undefined, port: string): boolean {
  try {
    driver?.validatePort(port);
    return true;
  } catch {
    return false;
  }
}

export function createSwitchActivities(deps: Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'switchLock' | 'timing'>) {
  const lab = labDirectory(deps);

  /**
   * Group a host's NICs by the switch they are cabled to. The step refuses a NIC the host does
   * not have; the undo skips it (no step can have put a VLAN on a port that is not cabled).
   */
  async function portsBySwitch(host: string, nics: string[], unknown: 'refuse' | 'skip') {
    const h = await lab.host(host);
    const groups = new Map<string, { nic: string; port: string }[]>();
    for (const nic of nics) {
      const cabled = h.nics.find((n) => n.name === nic);
      if (!cabled) {
        if (unknown === 'skip') continue;
        throw badInput(`host ${host} has no NIC ${nic}`);
      }
      const list = groups.get(cabled.switch) ?? [];
      list.push({ nic, port: cabled.port });
      groups.set(cabled.switch, list);
    }
    return groups;
  }

  async function withSession(switchName: string, work: (s: SwitchSession) => Promise<void>): Promise<void> {
    const target = await lab.switchOf(switchName);
    const driver = deps.drivers.switches[target.type];
    if (!driver) throw badInput(`no driver for switch type ${target.type}`);
    const change = async () => {
      const session = await driver.open(target);
      try {
        await work(session);
        await session.save();
      } finally {
        await session.close();
      }
    };
    await asStep(() => (deps.switchLock ? deps.switchLock(switchName, change) : change()));
  }

  return {
    /** Switch step: each NIC's port gets exactly the booking's VLANs (native and tagged). */
    async configureSwitchPorts({ host, nics }: { host: string; nics: NicPlan[] }): Promise<StepDone> {
      return heartbeating(deps.timing, async (beat) => {
        const plans = new Map(nics.map((n) => [n.nic, n]));
        for (const [sw, ports] of await portsBySwitch(host, [...plans.keys()], 'refuse')) {
          const driver = deps.drivers.switches[(await lab.switchOf(sw)).type];
          // Refused here, before the switch is touched (a typed, non-retryable InvalidInput).
          await asStep(() => Promise.resolve(ports.forEach((p) => driver?.validatePort(p.port))));
          beat.throwIfCancelled();
          await withSession(sw, async (session) => {
            for (const { nic, port } of ports) {
              const plan = plans.get(nic)!;
              const vlans = [...(plan.native ? [plan.native.vlan] : []), ...plan.tagged.map((t) => t.vlan)];
              for (const v of vlans) await session.ensureVlan(v);
              // Start from a clean port so a retried step converges to the same state.
              await session.resetPort(port);
              if (plan.native) await session.setNativeVlan(port, plan.native.vlan);
              if (plan.tagged.length) await session.addTaggedVlans(port, plan.tagged.map((t) => t.vlan));
            }
          });
        }
        return { attempt: attempt() };
      });
    },
    /** Undo of the switch step: the host's ports carry no VLAN. */
    async resetSwitchPorts({ host, nics }: { host: string; nics: string[] }): Promise<void> {
      await heartbeating(deps.timing, async (beat) => {
        for (const [sw, cabled] of await portsBySwitch(host, nics, 'skip')) {
          // A port the driver refuses was refused before the step touched the switch: nothing to undo there.
          const driver = deps.drivers.switches[(await lab.switchOf(sw)).type];
          const ports = cabled.filter((p) => accepts(driver, p.port));
          if (!ports.length) continue;
          beat.throwIfCancelled();
          await withSession(sw, async (session) => {
            for (const { port } of ports) await session.resetPort(port);
          });
        }
      });
    },
  };
}
