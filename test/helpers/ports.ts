import { readFileSync } from 'node:fs';
import { portInUse } from '../../scripts/lib/ports';

/**
 * Ports for the servers a test starts (npm start's Temporal and its UI at +1000, the API, and the
 * worker's metrics the product puts at the API's port + 1).
 *
 * A port the kernel hands out for `listen(0)` is an ephemeral one: between picking it and the
 * product binding it (npm start first runs its set-up, seconds), any outbound connection of the
 * parallel tests, or a port a Temporal dev server picks for itself, may take it, and npm start
 * then rightly refuses to start ("already in use"). So these come from below the ephemeral range,
 * each vitest worker from a block of its own (the global set-up, which has no pool id, from block
 * 0), and are checked free before they are handed out.
 */
const BASE = 10_000;
const BLOCK = 2_000; // the lower half for ports, the upper half for their UI at +1000
const handedOut = new Set<number>();

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

function blockStart(): number {
  const blocks = Math.floor((ephemeralLow() - BASE) / BLOCK);
  if (blocks < 1) throw new Error(`no room for test ports below the ephemeral range (it starts at ${ephemeralLow()})`);
  return BASE + (Number(process.env.VITEST_POOL_ID ?? 0) % blocks) * BLOCK;
}

/** A free port outside the ephemeral range; with `ui`, the port 1000 above it is free too. */
export async function testPort(options: { ui?: boolean } = {}): Promise<number> {
  const start = blockStart();
  const slots = BLOCK / 4; // even offsets in the lower half: p + 1 stays free for the product's metrics
  const first = Math.floor(Math.random() * slots);
  for (let i = 0; i < slots; i++) {
    const port = start + ((first + i) % slots) * 2;
    if (handedOut.has(port)) continue;
    if (await portInUse('127.0.0.1', port)) continue;
    if (options.ui && (await portInUse('127.0.0.1', port + 1000))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free test port in ${start}..${start + BLOCK / 2}`);
}
