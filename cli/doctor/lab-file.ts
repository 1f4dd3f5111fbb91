import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { labSchema, type Lab } from '../../config/lab';
import { readLabFile, LabImportError, type LabPlan } from '../../db/lab-plan';
import { type Findings, messageOf } from './findings';

export interface LabFile {
  lab: Lab;
  /** The same file as `laas lab import` reads it, for comparing with the inventory. */
  plan: LabPlan;
}

/**
 * Reads the lab description the workers read, reporting every problem with its
 * path in the file (as the workers would refuse to start, but all at once).
 * Returns null when the file cannot be used at all.
 */
export async function readLabDescription(path: string, findings: Findings): Promise<LabFile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    findings.error(path, `cannot read the lab description: ${messageOf(err)} (settings: LAAS_LAB_FILE)`);
    return null;
  }
  const json = path.endsWith('.json');
  let raw: unknown;
  try {
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    findings.error(path, `not valid ${json ? 'JSON' : 'YAML'}: ${messageOf(err).split('\n')[0]}`);
    return null;
  }
  const parsed = labSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) findings.error(`${path} ${issue.path.join('.') || '(top)'}`, issue.message);
    return null;
  }
  try {
    return { lab: parsed.data, plan: readLabFile(text, path) };
  } catch (err) {
    if (!(err instanceof LabImportError)) throw err;
    // The import's own checks (addresses, labels) come as "path: message".
    for (const problem of err.problems) {
      const colon = problem.indexOf(': ');
      findings.error(`${path} ${colon > 0 ? problem.slice(0, colon) : '(file)'}`, colon > 0 ? problem.slice(colon + 2) : problem);
    }
    return null;
  }
}
