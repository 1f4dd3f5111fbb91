import { connect as tcpConnect } from 'node:net';
import { startEmbeddedPostgres } from './embedded-postgres';

/** The database `npm start` uses, and how to say so in its banner. */
export interface DatabaseChoice {
  url: string;
  /** For the banner: the address (password hidden) and where it comes from. */
  shown: string;
  /** Stops the embedded cluster; nothing for a server of the machine's. */
  stop(): Promise<void>;
}

/** The URL with its password, if any, replaced by `***`. */
export function hidePassword(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** Whether anything accepts a TCP connection at the URL's host and port (within 2 s). */
export function answers(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: u.hostname, port: Number(u.port || 5432), timeout: 2000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * DATABASE_URL when it is set, always. Otherwise the default address (LAAS_DEFAULT_DATABASE_URL)
 * when a server answers there, else a private PostgreSQL cluster under the data directory.
 */
export async function chooseDatabase(options: { explicitUrl: string | undefined; defaultUrl: string; dataDir: string; say: (line: string) => void }): Promise<DatabaseChoice> {
  const none = () => Promise.resolve();
  if (options.explicitUrl) return { url: options.explicitUrl, shown: `${hidePassword(options.explicitUrl)}  (DATABASE_URL)`, stop: none };
  if (await answers(options.defaultUrl)) return { url: options.defaultUrl, shown: `${hidePassword(options.defaultUrl)}  (the machine's PostgreSQL)`, stop: none };
  const database = decodeURIComponent(new URL(options.defaultUrl).pathname.slice(1)) || 'laas';
  options.say(`database: nothing answers at ${hidePassword(options.defaultUrl)}; starting the embedded PostgreSQL in ${options.dataDir}/postgres...`);
  const cluster = await startEmbeddedPostgres(options.dataDir, database);
  return { url: cluster.url, shown: `${cluster.shownUrl}  (embedded PostgreSQL, data in ${cluster.dir}; password in ${options.dataDir}/postgres.json)`, stop: () => cluster.stop() };
}
