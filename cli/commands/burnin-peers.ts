import { Client as LdapClient, InvalidCredentialsError } from 'ldapts';
import { DeviceError } from '../../drivers/errors';
import { escapeDnValue } from '../../drivers/directory/escape';
import { SshHostDriver } from '../../drivers/host/ssh';
import { HostAuthFailed } from '../../drivers/host/host';
import { switchDriverFor } from '../../drivers/switch/drivers';
import type { PortVlans } from '../../drivers/switch/switch';
import type { InventorySwitch } from '../../activities/inventory';

/**
 * What burn-in asks of a lab's devices, as a small interface: the checks (burnin-checks.ts) say
 * what to expect, the peers answer what is there. `realPeers` asks the real things: an SSH login
 * with the booking's key (ssh2, through the lab's host driver), a bind to the lab's LDAP
 * directory as the VPN account (ldapts), and the switch ports' VLANs read back through the lab's
 * switch drivers. Simulated devices (sim:// hosts, sim switches, a sim directory) live inside the
 * worker, out of this process's reach: real peers skip them and say so.
 */

export type CheckResult = 'pass' | 'fail' | 'skip';

export interface Outcome {
  result: CheckResult;
  detail: string;
}

export interface SshLoginTarget {
  host: string;
  address: string;
  port: number;
  username: string;
  privateKey: string;
  publicKey: string;
}

export interface VpnBindTarget {
  bookingId: string;
  uid: string;
  /** The generated password, when the API showed it. */
  password?: string;
}

/** A switch as the inventory describes it to the workers. */
export type SwitchRef = InventorySwitch;

export interface BurninPeers {
  sshLogin(target: SshLoginTarget): Promise<Outcome>;
  vpnBind(target: VpnBindTarget): Promise<Outcome>;
  /** The VLANs of these ports as the switch reports them, or why the switch cannot be read. */
  readPorts(sw: SwitchRef, ports: string[]): Promise<Map<string, PortVlans> | { skip: string }>;
}

export interface LdapBindOptions {
  /** ldap:// or ldaps:// URL of the lab's directory. */
  url: string;
  /** Where VPN accounts live, e.g. ou=people,dc=lab,dc=test. */
  peopleDn: string;
  timeoutMs: number;
}

export interface RealPeerOptions {
  /** The lab's directory, or null when it is simulated. */
  ldap: LdapBindOptions | null;
  /** A switch credential by name (sealed in the inventory database). */
  credential(name: string): Promise<{ username: string; password: string }>;
  connectTimeoutMs?: number;
}

const failure = (err: unknown) => (err instanceof DeviceError ? `${err.type}: ${err.message}` : (err as Error).message);

export function realPeers(options: RealPeerOptions): BurninPeers {
  // Burn-in logs in to hosts it has just imaged, with a key made for this run: there is no host
  // key to pin yet, and a host that is not the real one learns nothing worth having.
  const ssh = new SshHostDriver({ onFirstContact: () => undefined, connectTimeoutMs: options.connectTimeoutMs ?? 20_000, commandTimeoutMs: 20_000 });
  return {
    async sshLogin(t) {
      if (t.address.startsWith('sim://')) return { result: 'skip', detail: `${t.host} is simulated: no SSH server to log in to` };
      try {
        const r = await ssh.exec({ name: t.host, address: t.address, port: t.port, username: t.username, privateKey: t.privateKey }, ['id', '-un']);
        const who = r.stdout.trim();
        if (who !== t.username) return { result: 'fail', detail: `logged in to ${t.address} but the session runs as ${JSON.stringify(who)}, not ${t.username}` };
        return { result: 'pass', detail: `${t.username}@${t.address}:${t.port} accepted the booking key` };
      } catch (err) {
        if (err instanceof HostAuthFailed) return { result: 'fail', detail: `${t.username}@${t.address}:${t.port} refused the booking key` };
        return { result: 'fail', detail: failure(err) };
      }
    },

    async vpnBind(t) {
      if (!options.ldap) return { result: 'skip', detail: 'the VPN directory is simulated: it lives in the worker' };
      // An empty password would make the bind anonymous and prove nothing (RFC 4513 5.1.2).
      if (!t.password) return { result: 'skip', detail: `the API showed no password for ${t.uid}, so no bind can be tried` };
      const dn = `uid=${escapeDnValue(t.uid)},${options.ldap.peopleDn}`;
      const client = new LdapClient({ url: options.ldap.url, timeout: options.ldap.timeoutMs, connectTimeout: options.ldap.timeoutMs });
      try {
        await client.bind(dn, t.password);
        return { result: 'pass', detail: `bound to ${options.ldap.url} as ${dn}` };
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return { result: 'fail', detail: `${options.ldap.url} refused the password of ${dn}` };
        return { result: 'fail', detail: `${options.ldap.url}: ${(err as Error).message}` };
      } finally {
        await client.unbind().catch(() => undefined);
      }
    },

    async readPorts(sw, ports) {
      if (sw.type === 'sim') return { skip: `switch ${sw.name} is simulated: its ports live in the worker` };
      let login: { username: string; password: string };
      try {
        login = await options.credential(sw.credential);
      } catch (err) {
        return { skip: `no credential ${sw.credential} for switch ${sw.name}: ${(err as Error).message}` };
      }
      const session = await switchDriverFor(sw.type).open({
        name: sw.name,
        type: sw.type,
        address: sw.address,
        ...(sw.port ? { port: sw.port } : {}),
        username: login.username,
        password: login.password,
        options: sw.options,
      });
      try {
        const read = new Map<string, PortVlans>();
        for (const port of ports) read.set(port, await session.readPort(port));
        return read;
      } finally {
        await session.close();
      }
    },
  };
}
