import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../cli/main';

// `laas --help` and each family's help: every command an operator can run says what it does,
// and the families come in the order operators reach for them (bookings first).
const ctx = { out: () => undefined, err: () => undefined, json: () => false };

function leaves(command: Command, path: string[] = []): { path: string; description: string }[] {
  const subs = command.commands;
  if (!subs.length) return [{ path: path.join(' '), description: command.description() }];
  return subs.flatMap((c) => leaves(c, [...path, c.name()]));
}

describe('the laas command tree', () => {
  const program = buildProgram(ctx);

  it('gives every leaf command a description', () => {
    const all = leaves(program);
    expect(all.length).toBeGreaterThan(40);
    const missing = all.filter((l) => !l.description.trim()).map((l) => l.path);
    expect(missing).toEqual([]);
  });

  it('gives every family a description too', () => {
    const missing = program.commands.filter((c) => !c.description().trim()).map((c) => c.name());
    expect(missing).toEqual([]);
  });

  it('lists families by how often operators use them: bookings, hosts, doctor first', () => {
    const names = program.commands.map((c) => c.name());
    expect(names.slice(0, 3)).toEqual(['bookings', 'host', 'doctor']);
    expect(names.indexOf('cleanup')).toBeLessThan(names.indexOf('db'));
    expect(names.at(-1)).toBe('history');
  });
});
