import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { labSchema, type Lab } from './lab';
import { ConfigError } from './settings';

/** Parse and validate a lab description; every problem is reported with its path in the file. */
export function parseLab(text: string, source: string): Readonly<Lab> {
  let raw: unknown;
  try {
    raw = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(source, [`not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`]);
  }
  const parsed = labSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(source, parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`));
  }
  return deepFreeze(parsed.data);
}

export function loadLab(path: string): Readonly<Lab> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read: ${(err as Error).message}`]);
  }
  return parseLab(text, path);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
