import { HostKeyMismatch } from './host';
import { fingerprint, readPinnedHostKey } from './host-key';
import type { FirstContact } from './ssh-session';

/** Where the lab keeps the host key each host showed (a table, or memory in tests). */
export interface HostKeyStore {
  get(host: string): string | null | Promise<string | null>;
  set(host: string, hostKey: string): void | Promise<void>;
}

/**
 * An onFirstContact for targets built without a pinned key: the first key a host shows is
 * kept, and from then on only that key is accepted. Reimaging a host legitimately gives it
 * a new key, so whoever images a host clears its entry first.
 */
export function rememberHostKeys(store: HostKeyStore): FirstContact {
  return async (host, hostKey) => {
    const known = await store.get(host);
    if (known === null) {
      await store.set(host, hostKey);
      return;
    }
    const pinned = readPinnedHostKey(host, known).blob;
    const shown = readPinnedHostKey(host, hostKey).blob;
    if (!pinned.equals(shown)) throw new HostKeyMismatch(host, fingerprint(pinned), fingerprint(shown));
  };
}

/** A HostKeyStore in memory, for tests and single-process tools. */
export class MemoryHostKeyStore implements HostKeyStore {
  private readonly keys = new Map<string, string>();
  get(host: string): string | null {
    return this.keys.get(host) ?? null;
  }
  set(host: string, hostKey: string): void {
    this.keys.set(host, hostKey);
  }
  forget(host: string): void {
    this.keys.delete(host);
  }
}
