import { createServer } from 'node:net';

/** Whether something already listens on host:port (binding it fails with EADDRINUSE). */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(true) : reject(err)));
    srv.listen(port, host, () => srv.close(() => resolve(false)));
  });
}

/**
 * Refuses to start when any of the ports is taken (another `npm start`, another program): the
 * message names each one, so the operator is never shown a banner for somebody else's stack.
 */
export async function refuseBusyPorts(ports: { what: string; host: string; port: number }[]): Promise<void> {
  const busy: string[] = [];
  for (const p of ports) if (await portInUse(p.host, p.port)) busy.push(`${p.what} port ${p.host}:${p.port}`);
  if (busy.length) throw new Error(`already in use: ${busy.join(', ')}. Is another npm start running? Stop it or choose other ports (TEMPORAL_ADDRESS, LAAS_API_PORT).`);
}
