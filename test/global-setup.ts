import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDevServer, temporalCli, type DevServer } from '../scripts/lib/dev-server';
import { testPort } from './helpers/ports';
import { bundleWorkflows } from '../workers/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

let server: DevServer | undefined;
let bundleDir: string | undefined;

/** One real Temporal dev server (in memory) and one workflow bundle for the whole run. */
export async function setup(project: TestProject): Promise<void> {
  const root = join(import.meta.dirname, '..');
  const cli = temporalCli(root);
  const [s, bundle] = await Promise.all([startDevServer({ cli, port: await testPort() }), bundleWorkflows()]);
  server = s;
  bundleDir = mkdtempSync(join(tmpdir(), 'laas-bundle-'));
  const bundlePath = join(bundleDir, 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', bundlePath);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
}
