/**
 * The API never reaches a device (docs/architecture.md): no module under api/ imports a driver
 * that talks to a BMC, obmd, a console or the hypervisor, nor runs programs. Drivers' validators
 * and types are fine; what they reach is the lab's worker's business.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const DEVICE_MODULES = [/drivers\/console\//, /drivers\/headnode\/(libvirt|command-runner)$/, /drivers\/power\/(ipmitool|obmd)$/, /drivers\/(host|directory|imaging)\/(ssh|ldap|fog)$/, /^node:child_process$/];

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

/** Every value import (type-only imports left out) of a file, as written. */
function valueImports(text: string): { from: string; names: string }[] {
  return [...text.matchAll(/^import\s+(?!type\s)([^;]*?)\s+from\s+'([^']+)'/gms)].map((m) => ({ names: m[1]!, from: m[2]! }));
}

describe('the API layer', () => {
  it('imports no driver that reaches a device, and of the obmd client only its URI check', async () => {
    const found: string[] = [];
    for (const file of await sources(join(root, 'api'))) {
      for (const { from, names } of valueImports(await readFile(file, 'utf8'))) {
        const where = `${relative(root, file)} imports ${from}`;
        if (DEVICE_MODULES.some((m) => m.test(from))) found.push(where);
        if (/drivers\/power\/obmd-client$/.test(from) && names.replace(/[{}\s]/g, '') !== 'checkObmdUri') found.push(`${where} (${names})`);
      }
    }
    expect(found).toEqual([]);
  });
});
