import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Command } from 'commander';
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { register } from '../../cli/commands/doctor';
import { CliError, type CliContext } from '../../cli/context';
import type { DoctorReport } from '../../cli/doctor/report';
import { buildServer } from '../../api/server';
import { loadLab } from '../../config/load-lab';
import { testPort } from '../helpers/ports';
import { importLabFile } from '../../workers/inventory-deps';
import { SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { createTempDatabase, type TempDatabase } from '../db/helpers/temp-database';
import { migrations } from '../../db/migrations/index';
import { migrateDown } from '../../db/migrator';

// `laas doctor` against the run's real Temporal dev server, a real API and database: it fails,
// naming the cause, with Temporal down, a search attribute missing, no worker; and passes.
const { temporal } = proto;
const simLab = join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml');
const token = 'doctor-token-0123456789abcdef';
let database: TempDatabase;
let api: Awaited<ReturnType<typeof buildServer>>;
let apiUrl = '';
let connection: Connection;

beforeAll(async () => {
  database = await createTempDatabase();
  await importLabFile(database.db, simLab);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  const { Client } = await import('@temporalio/client');
  api = await buildServer({ temporal: new Client({ connection }), db: database.db, lab: loadLab(simLab), taskQueue: 'laas-sim', apiToken: token });
  await api.listen({ host: '127.0.0.1', port: 0 });
  apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await api?.close();
  await connection?.close();
  await database?.drop();
});

async function doctor(extra: NodeJS.ProcessEnv = {}): Promise<{ code: number; report: DoctorReport }> {
  const out: string[] = [];
  const ctx: CliContext = { json: () => true, out: (l) => out.push(l), err: () => undefined };
  const env = { DATABASE_URL: database.url, LAAS_LAB_FILE: simLab, TEMPORAL_ADDRESS: inject('temporalAddress'), LAAS_API_URL: apiUrl, LAAS_API_TOKEN: token, ...extra };
  const program = new Command('laas').option('--json').exitOverride();
  register(program, ctx, env);
  let code = 0;
  try {
    await program.parseAsync(['doctor', '--json'], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    code = err.exitCode;
  }
  return { code, report: JSON.parse(out.join('\n')) as DoctorReport };
}
const errors = (r: DoctorReport) => r.findings.filter((f) => f.level === 'error').map((f) => `${f.place}: ${f.message}`);

describe('laas doctor checks Temporal, the worker and the API', () => {
  it('fails naming Temporal when it is down', async () => {
    const { code, report } = await doctor({ TEMPORAL_ADDRESS: `127.0.0.1:${await testPort()}` });
    expect(code).toBe(1);
    expect(errors(report)).toEqual([expect.stringMatching(/^temporal: cannot reach Temporal at 127\.0\.0\.1:\d+ \(TEMPORAL_ADDRESS\)/)]);
  });

  it('fails naming a missing search attribute and how to create it', async () => {
    const namespace = `doctor-${randomBytes(3).toString('hex')}`;
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    const types = { Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, KeywordList: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST };
    const allButHostNames = Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).filter(([n]) => n !== 'HostNames').map(([n, t]) => [n, types[t]]));
    for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 500))) {
      try {
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: allButHostNames });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err; // the new namespace reaches every service after a moment
      }
    }
    const { code, report } = await doctor({ TEMPORAL_NAMESPACE: namespace });
    expect(code).toBe(1);
    expect(errors(report)).toContainEqual(`temporal search attribute HostNames: missing in namespace ${namespace}: temporal operator search-attribute create --namespace ${namespace} --name HostNames --type KeywordList`);
    expect(errors(report).filter((e) => e.includes('search attribute'))).toHaveLength(1);
  });

  it('fails naming the task queue when no worker polls it, and passes once one does', async () => {
    const none = await doctor();
    expect(none.code).toBe(1);
    expect(errors(none.report)).toEqual(['temporal task queue laas-sim: no worker polls it: bookings of lab sim would not run (start one: npm run worker)']);

    const native = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await Worker.create({ connection: native, taskQueue: 'laas-sim', workflowBundle: { codePath: inject('workflowBundlePath') } });
    const running = worker.run();
    try {
      let after = await doctor();
      for (const deadline = Date.now() + 20_000; after.code !== 0 && Date.now() < deadline; after = await doctor()) await new Promise((r) => setTimeout(r, 500));
      expect(errors(after.report)).toEqual([]);
      expect(after.code).toBe(0);
      // Development defaults are warned about, by name.
      expect(after.report.findings.filter((f) => f.level === 'warning').map((f) => f.place)).toEqual(expect.arrayContaining(['environment LAAS_PAYLOAD_KEYS', 'environment LAAS_CREDENTIAL_KEYS']));
    } finally {
      worker.shutdown();
      await running;
      await native.close();
    }
  });

  it('fails naming the API when it does not answer', async () => {
    const { report } = await doctor({ LAAS_API_URL: `http://127.0.0.1:${await testPort()}` });
    expect(errors(report)).toContainEqual(expect.stringMatching(/^api: http:\/\/127\.0\.0\.1:\d+\/healthz did not answer \(LAAS_API_URL\)/));
  });
});

describe('laas doctor checks PostgreSQL and its schema version', () => {
  const names = Object.keys(migrations);
  it('names the migration applied, the one expected, on a database up to date', async () => {
    const { report } = await doctor();
    const schema = report.findings.filter((f) => f.place === 'database schema');
    expect(schema).toHaveLength(1);
    expect(schema[0]!.level).toBe('note');
    expect(schema[0]!.message).toMatch(new RegExp(`^PostgreSQL at .* answers; migration ${names.at(-1)} applied, as expected$`));
  });

  it('fails naming both migrations when the database is behind', async () => {
    const behind = await createTempDatabase();
    try {
      await importLabFile(behind.db, simLab);
      await migrateDown(behind.db);
      const { code, report } = await doctor({ DATABASE_URL: behind.url });
      expect(code).toBe(1);
      expect(errors(report)).toContainEqual(expect.stringMatching(new RegExp(`^database schema: migration ${names.at(-2)} applied, ${names.at(-1)} expected: 1 migration\\(s\\) not applied to .* \\(laas db migrate\\)$`)));
    } finally {
      await behind.drop();
    }
  });

  it('fails naming PostgreSQL when it does not answer', async () => {
    const { code, report } = await doctor({ DATABASE_URL: `postgres://laas:secret-pw@127.0.0.1:${await testPort()}/laas` });
    expect(code).toBe(1);
    expect(errors(report)).toContainEqual(expect.stringMatching(/^database: cannot reach postgres:\/\/laas:\*\*\*@127\.0\.0\.1:\d+\/laas \(settings: DATABASE_URL\)/));
    expect(JSON.stringify(report)).not.toContain('secret-pw');
  });
});
