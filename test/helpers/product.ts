import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testPort } from './ports';

const root = join(import.meta.dirname, '..', '..');

export interface Product {
  api: string;
  ui: string;
  temporal: string;
  token: string;
  databaseUrl: string;
  output(): string;
  stop(): Promise<void>;
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}

function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (!child.pid || child.exitCode !== null) return resolve();
    const kill = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    process.kill(-child.pid, 'SIGINT');
  });
}

/**
 * The product as `npm start` runs it (scripts/start.ts), on free non-default ports, its own
 * database and data directory; resolves once the banner is printed.
 */
export async function startProduct(extraEnv: NodeJS.ProcessEnv = {}): Promise<Product> {
  const temporalPort = await testPort({ ui: true });
  const apiPort = await testPort();
  const dbName = `laas_product_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'laas-product-'));
  const token = 'product-token-0123456789abcdef';
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${dbName}`;
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`, DATABASE_URL: databaseUrl, LAAS_API_PORT: String(apiPort), LAAS_API_TOKEN: token, LAAS_DATA_DIR: dataDir, LAAS_SIM_LATENCY_MS: '20', ...extraEnv };
  delete env.LAAS_CODEC_UI_ORIGINS;
  delete env.LAAS_CODEC_AUTH;
  Object.assign(env, extraEnv);
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'start.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const product: Product = {
    api: `http://127.0.0.1:${apiPort}`,
    ui: `http://127.0.0.1:${temporalPort + 1000}`,
    temporal: `127.0.0.1:${temporalPort}`,
    token,
    databaseUrl,
    output: () => out,
    async stop() {
      await stopGroup(child);
      await dropDatabase(dbName);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await startBanner(child, () => out, 150_000);
  } catch (err) {
    await product.stop();
    throw err;
  }
  return product;
}

/**
 * Waits for npm start's banner; fails at once, with the end of its output, when the product
 * exits first (a refused port, a failed set-up), rather than at the deadline.
 */
export async function startBanner(child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!output().includes('Ctrl-C stops everything.')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`npm start exited (${child.exitCode ?? child.signalCode}) before its banner:\n${output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`npm start's banner not seen within ${timeoutMs} ms:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
