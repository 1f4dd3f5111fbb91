import type { BurninPeers } from '../../../cli/commands/burnin-peers';
import type { PortVlans } from '../../../drivers/switch/switch';
import { SimDirectory } from '../../../sim/lab/drivers';
import type { SimLab } from '../../../sim/lab/lab';

/**
 * Burn-in's peers on the simulated lab, which has no SSH server, LDAP directory or switch to talk
 * to: each answer is read from the state the worker's simulated devices keep. A login "works"
 * when the host is on, imaged, and its login user's authorized_keys holds the booking's key; a
 * VPN bind is the simulated directory's own password check; ports are the simulated switch's.
 */
export function simPeers(lab: SimLab): BurninPeers {
  const directory = new SimDirectory(lab);
  return {
    sshLogin(t) {
      const h = lab.hosts.get(t.host);
      if (!h) return Promise.resolve({ result: 'fail', detail: `no simulated host ${t.host}` });
      if (h.power !== 'on' || h.image === null) return Promise.resolve({ result: 'fail', detail: `${t.host} is ${h.power}, image ${h.image ?? 'none'}` });
      const path = t.username === 'root' ? '/root/.ssh/authorized_keys' : `/home/${t.username}/.ssh/authorized_keys`;
      const keys = h.files.get(path)?.content ?? '';
      if (!keys.split('\n').some((line) => line.startsWith(`${t.publicKey} `) || line === t.publicKey)) {
        return Promise.resolve({ result: 'fail', detail: `${path} on ${t.host} does not hold the booking key` });
      }
      return Promise.resolve({ result: 'pass', detail: `${path} on ${t.host} holds the booking key (simulated host)` });
    },
    async vpnBind(t) {
      const account = lab.accounts.get(t.uid);
      if (!account || account.bookingId !== t.bookingId) return { result: 'fail', detail: `no VPN account ${t.uid} for booking ${t.bookingId}` };
      // The API does not show the generated password: the simulated directory's own record stands in for the user's copy.
      const ok = await directory.checkBind(t.uid, t.password ?? account.password);
      return ok ? { result: 'pass', detail: `bound as ${t.uid} (simulated directory)` } : { result: 'fail', detail: `the simulated directory refused ${t.uid}` };
    },
    readPorts(sw, ports) {
      const state = lab.ports.get(sw.name);
      if (!state) return Promise.resolve({ skip: `no simulated switch ${sw.name}` });
      const read = new Map<string, PortVlans>();
      for (const p of ports) {
        const v = state.get(p);
        if (v) read.set(p, { native: v.native, tagged: [...v.tagged] });
      }
      return Promise.resolve(read);
    },
  };
}
