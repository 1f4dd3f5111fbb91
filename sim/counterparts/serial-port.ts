import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A host's serial port for ipmi_sim's SOL (`sol "tcp:127.0.0.1:<port>"`, ipmi_lan(5)): ipmi_sim
 * connects here and forwards what is written to the SOL session, and what the session types back.
 */
export interface SerialPort {
  port: number;
  /** Resolves once ipmi_sim is connected. */
  connected(timeoutMs?: number): Promise<void>;
  /** Text the host writes on its serial port. */
  write(text: string): void;
  /** Everything the SOL side typed to the host so far. */
  received(): string;
  close(): Promise<void>;
}

export async function startSerialPort(): Promise<SerialPort> {
  const sockets = new Set<Socket>();
  let typed = '';
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (d) => (typed += d.toString('latin1')));
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async connected(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (sockets.size === 0) {
        if (Date.now() > deadline) throw new Error('ipmi_sim did not connect to the serial port');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    write(text) {
      for (const s of sockets) s.write(text);
    },
    received: () => typed,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
