import type { ActivityDeps } from './deps';

/** A host's management address as a user types it: a simulated host (sim://host/NAME) by its name. */
export function loginAddress(address: string, host: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? host : address;
}

/**
 * Once a host's network step is done, the read model learns how the booking's user reaches it:
 * the lab's address for the host and the lab's login user (whose authorized_keys the access step fills).
 */
export function hostAccessRecorder(deps: Pick<ActivityDeps, 'inventory' | 'hostLogin' | 'events'>) {
  return async ({ bookingId, host }: { bookingId: string; host: string }): Promise<void> => {
    const h = await deps.inventory.host(host);
    if (!h || !deps.events.hostAccess) return;
    const address = loginAddress(h.ssh.address, host);
    await deps.events.hostAccess({ bookingId, host, address, addresses: [address], loginUser: deps.hostLogin.username, port: h.ssh.port });
  };
}
