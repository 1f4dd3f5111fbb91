import type { HeadnodeCall, HeadnodeOutcome, ObmCall } from '../workflows/hil-device-calls';
import { obmdDropToken, obmdNewToken } from '../drivers/power/obmd-client';
import type { ActivityDeps } from './deps';
import { asStep, badInput } from './failures';
import { heartbeating } from './heartbeat';
import { labDirectory } from './lab-directory';

type Deps = Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin' | 'drivers' | 'timing'>;

export function createHilDeviceActivities(deps: Deps) {
  const lab = labDirectory(deps);
  const headnodes = deps.drivers.headnode;
  return {
    /** One of HIL's headnode calls on the lab's headnode driver (libvirt). */
    async runHeadnodeCall(call: HeadnodeCall): Promise<HeadnodeOutcome> {
      return heartbeating(deps.timing, async () => {
        switch (call.action) {
          case 'create':
            await asStep(() => headnodes.create({ name: call.name, baseImage: call.baseImage, vcpus: call.vcpus, memoryMiB: call.memoryMiB, networks: call.networks }));
            return {};
          case 'get': {
            const vm = await asStep(() => headnodes.get(call.name));
            return { vncport: vm?.console?.port ?? null };
          }
          case 'stop':
            if (!headnodes.stop) throw badInput(`the ${headnodes.kind} headnode driver cannot stop a headnode`);
            await asStep(() => headnodes.stop!(call.name));
            return {};
          case 'destroy':
            await asStep(() => headnodes.destroy(call.name));
            return {};
          case 'images':
            if (!headnodes.images) throw badInput(`the ${headnodes.kind} headnode driver has no base images`);
            return { images: await asStep(() => headnodes.images!()) };
          default:
            throw badInput(`unknown headnode action ${JSON.stringify((call as { action: unknown }).action)}`);
        }
      });
    },

    /**
     * HIL's enable_obm / disable_obm for an obmd node: a fresh node token from obmd (with the
     * admin token), sealed into the node's credential, or the token invalidated at obmd and
     * dropped. Other nodes have nothing to do. The token never leaves the worker.
     */
    async setObmToken({ node, enabled }: ObmCall): Promise<void> {
      await heartbeating(deps.timing, async () => {
        const host = await asStep(() => lab.host(node));
        if (host.bmc.type !== 'obmd') return;
        const store = deps.credentials;
        if (!store.set) throw badInput(`the worker of lab ${deps.labName} cannot store credentials`);
        const sealed = await store.get(host.bmc.credential);
        if (!sealed.uri) throw badInput(`node ${node}'s credential has no obmd uri`);
        const uri = sealed.uri;
        if (enabled) {
          const token = await asStep(() => obmdNewToken(node, uri, sealed.password));
          await store.set(host.bmc.credential, { ...sealed, token });
        } else {
          await asStep(() => obmdDropToken(node, uri, sealed.password));
          const { token: _dropped, ...rest } = sealed;
          await store.set(host.bmc.credential, rest);
        }
      });
    },
  };
}
