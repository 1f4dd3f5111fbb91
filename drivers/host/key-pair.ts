import ssh2 from 'ssh2';

/**
 * An ed25519 key pair in OpenSSH format that ssh2 itself can read back. ssh2's generator drops
 * leading zero bytes of the public key, so about one key in 256 comes out malformed (ssh2 issue
 * 1513); such a pair is simply generated again. Burn-in's run key and the test peers' keys use it.
 */
export function ed25519KeyPair(comment?: string): { private: string; public: string } {
  for (let tries = 1; ; tries++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment === undefined ? {} : { comment });
    const readable = !(ssh2.utils.parseKey(pair.public) instanceof Error) && !(ssh2.utils.parseKey(pair.private) instanceof Error);
    if (readable) return pair;
    if (tries >= 20) throw new Error('ssh2 generated 20 unreadable ed25519 key pairs in a row');
  }
}
