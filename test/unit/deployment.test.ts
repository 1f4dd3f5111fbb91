import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { settingsSchema } from '../../config/settings';
import { LAAS_DYNAMIC_CONFIG } from '../../scripts/lib/dev-server';

/**
 * The deployment files against the code they deploy, without a container engine: the services the
 * deployment needs, the search attributes the workflows set, and settings the code actually reads.
 * (`docker compose config` checks the compose syntax itself; docs/deployment.md shows its run.)
 */
const root = join(import.meta.dirname, '..', '..');
// merge: the file shares the laas services' settings through YAML merge keys (<<).
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: unknown; command?: string[]; environment?: Record<string, string>; volumes?: string[]; healthcheck?: { test?: string[]; disable?: boolean } }>;
};
const script = readFileSync(join(root, 'scripts', 'full-temporal.sh'), 'utf8');
// laas also registers Owner for the dashboards' "my bookings" filters.
const wanted = { ...SEARCH_ATTRIBUTES, Owner: 'Keyword' };

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, Temporal on PostgreSQL, the Temporal UI, and the laas API and worker from this repository', () => {
    const s = compose.services;
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['postgresql', 'temporal', 'temporal-admin-tools', 'temporal-ui', 'laas-api', 'laas-worker']));
    expect(s.temporal!.image).toMatch(/^temporalio\/auto-setup:/);
    expect(s.temporal!.environment).toMatchObject({ DB: 'postgres12', SQL_PLUGIN: 'postgres12', POSTGRES_SEEDS: 'postgresql', SQL_HOST: 'postgresql' });
    expect(s['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(s['temporal-ui']!.environment!.TEMPORAL_CODEC_ENDPOINT).toMatch(/\/codec$/);
    expect(s['laas-api']!.build).toBe('.');
    expect(s['laas-api']!.command).toEqual(['api']);
    expect(s['laas-worker']!.build).toBe('.');
    expect(s['laas-worker']!.command).toEqual(['worker']);
  });

  it('gives every long-running service a healthcheck', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'laas-api', 'laas-worker']) {
      const check = compose.services[name]!.healthcheck;
      expect(check?.test?.length, name).toBeGreaterThan(0);
      expect(check?.disable, name).not.toBe(true);
    }
  });

  it('configures laas only with settings the code reads', () => {
    const known = new Set([...Object.keys(settingsSchema.shape), 'LAAS_CREDENTIAL_KEYS', 'LAAS_PAYLOAD_KEYS', 'LAAS_CODEC_UI_ORIGINS']);
    for (const name of ['laas-api', 'laas-worker']) {
      const env = Object.keys(compose.services[name]!.environment ?? {});
      expect(env, name).toEqual(expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'LAAS_API_TOKEN', 'LAAS_CREDENTIAL_KEYS', 'LAAS_PAYLOAD_KEYS', 'LAAS_LAB_FILE']));
      expect(env.filter((v) => !known.has(v)), name).toEqual([]);
    }
  });

  it('registers every search attribute the booking workflows set, with its type', () => {
    const command = (compose.services['temporal-admin-tools']!.command ?? []).join('\n');
    for (const [name, type] of Object.entries(wanted)) expect(command).toMatch(new RegExp(`--name ${name} --type ${type}\\b`));
  });
});

describe('scripts/full-temporal.sh', () => {
  it('registers the same search attributes on the full server', () => {
    const list = /search_attributes=\(([^)]*)\)/.exec(script)?.[1]?.trim().split(/\s+/) ?? [];
    expect(Object.fromEntries(list.map((entry) => entry.split('=')))).toEqual(wanted);
  });
});

describe('deploy/temporal-dynamic-config.yaml', () => {
  const file = 'deploy/temporal-dynamic-config.yaml';
  const dynamic = parse(readFileSync(join(root, file), 'utf8')) as Record<string, { value: unknown }[]>;

  it('sets on a deployed server what every dev server laas starts runs with (eager activity dispatch)', () => {
    expect(Object.keys(LAAS_DYNAMIC_CONFIG).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(LAAS_DYNAMIC_CONFIG)) expect(dynamic[key], key).toEqual([{ value }]);
  });

  it('is the file the compose Temporal service and the full server read', () => {
    const temporal = compose.services.temporal!;
    const inContainer = `/etc/temporal/${temporal.environment!.DYNAMIC_CONFIG_FILE_PATH}`;
    expect(temporal.volumes).toContain(`./${file}:${inContainer}:ro`);
    const full = readFileSync(join(root, 'deploy', 'full-temporal', 'development.yaml'), 'utf8');
    expect(/dynamicConfigClient:\s+filepath: .*default "([^"]+)"/.exec(full)?.[1]).toBe(file);
  });
});
