import { isIP } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { LiblaasOptions } from './context';

const v4 = (a: string): number | null => {
  const m = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(a);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
};

/** One allow-list entry: an address (IPv4 or IPv6, exact) or an IPv4 CIDR. */
export function allowed(entry: string, address: string): boolean {
  const [net, bits] = entry.split('/');
  if (bits === undefined) {
    if (isIP(entry) === 4) return v4(entry) === v4(address);
    return entry.toLowerCase() === address.toLowerCase();
  }
  const n = v4(net ?? '');
  const a = v4(address);
  const b = Number(bits);
  if (n === null || a === null || !Number.isInteger(b) || b < 0 || b > 32) return false;
  const mask = b === 0 ? 0 : (~0 << (32 - b)) >>> 0;
  return (n & mask) === (a & mask);
}

/** Why a request is refused (403 text), or null: the client's address must be listed, and the token match when one is set. */
export function refusal(options: Pick<LiblaasOptions, 'allow' | 'token'>, request: FastifyRequest): string | null {
  const address = request.socket.remoteAddress ?? request.ip;
  if (!options.allow.some((e) => allowed(e, address))) return `client ${address} is not allowed to use liblaas`;
  if (options.token) {
    const given = Buffer.from(String(request.headers['x-auth-key'] ?? ''));
    const want = Buffer.from(options.token);
    if (given.length !== want.length || !timingSafeEqual(given, want)) return 'missing or wrong X-Auth-Key';
  }
  return null;
}
