import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { dataConverterFromEnv } from '../../../config/payload-codec';
import { keyringFromEnv, type Keyring } from '../../../db/crypto';
import { startRealLab, type RealLab, type RealLabOptions } from '../../../sim/real-lab';
import { realLabUnavailable } from '../../../sim/real-lab-parts/requirements';
import type { KeyPair } from '../../../sim/counterparts/sshd';
import type { BookingInput } from '../../../workflows/types';
import { createTempDatabase, type TempDatabase } from '../../db/helpers/temp-database';

try {
  // Workers log state changes at INFO and expected activity failures at WARN; tests want errors only.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Already installed in this process.
}

export { realLabUnavailable };

export interface RealLabSession {
  lab: RealLab;
  database: TempDatabase;
  keyring: Keyring;
  close(): Promise<void>;
}

/** A real lab registered in a fresh database (credentials sealed with the process keyring, as workers/main.ts reads them). */
export async function openRealLab(options: RealLabOptions): Promise<RealLabSession> {
  const database = await createTempDatabase();
  let lab: RealLab | undefined;
  try {
    lab = await startRealLab({ name: `e2e-${randomBytes(3).toString('hex')}`, ...options });
    const { keyring } = keyringFromEnv();
    await lab.register(database.db, keyring);
    const started = lab;
    return {
      lab: started,
      database,
      keyring,
      async close() {
        try {
          await started.stop();
        } finally {
          await database.drop();
        }
      },
    };
  } catch (err) {
    await lab?.stop().catch(() => undefined);
    await database.drop();
    throw err;
  }
}

/** A Temporal client with the payload codec the workers use (the same env, the same keys). */
export async function temporalClient(address: string): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  const { dataConverter } = dataConverterFromEnv(process.env, () => undefined);
  return { client: new Client({ connection, namespace: 'default', dataConverter }), close: () => connection.close() };
}

/**
 * A booking of real-lab hosts: eno1 untagged on the public network, eno2 untagged on the
 * private one and tagged on storage (the tagged one gets a network file on the host).
 */
export function realBooking(lab: RealLab, hosts: string[], user: KeyPair, overrides: Partial<BookingInput> = {}): BookingInput {
  const now = Date.now();
  return {
    id: `rl-${randomBytes(5).toString('hex')}`,
    lab: lab.name,
    project: 'demo',
    owner: 'alice',
    start: new Date(now).toISOString(),
    end: new Date(now + 3_600_000).toISOString(),
    networks: [{ name: 'public', public: true }, { name: 'private' }, { name: 'storage' }],
    hosts: hosts.map((name) => ({
      name,
      image: 'ubuntu-22.04',
      hostname: `${name}-pod`,
      interfaces: {
        eno1: [{ network: 'public', tagged: false }],
        eno2: [
          { network: 'private', tagged: false },
          { network: 'storage', tagged: true },
        ],
      },
    })),
    access: { sshKeys: [user.publicKey], vpnUsers: ['alice'] },
    headnode: { image: 'headnode-base', networks: ['private'] },
    ...overrides,
  };
}
