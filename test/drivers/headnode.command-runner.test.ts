import { describe, expect, it } from 'vitest';
import { LocalCommandRunner, shellQuote } from '../../drivers/headnode/command-runner';

const local = new LocalCommandRunner();

describe('LocalCommandRunner', () => {
  it('passes arguments to the program untouched by any shell', async () => {
    const args = ['$(touch /tmp/pwned)', '; rm -rf /', "it's", '*', 'a b'];
    const result = await local.run('printf', ['%s\\n', ...args]);
    expect(result).toEqual({ code: 0, stdout: `${args.join('\n')}\n`, stderr: '' });
  });

  it('feeds input on stdin and resolves a non-zero exit with its stderr', async () => {
    expect((await local.run('cat', [], { input: '<domain/>' })).stdout).toBe('<domain/>');
    const failed = await local.run('ls', ['/no/such/path']);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/No such file/);
  });

  it('rejects only when the program cannot be run at all', async () => {
    await expect(local.run('no-such-program-here', [])).rejects.toThrow(/ENOENT/);
  });
});

describe('shellQuote (for the remote shell an SSH command passes through)', () => {
  it('makes every argument arrive as one literal word in a real sh', async () => {
    const args = ["it's", '$(id)', '`id`', 'a b', '*', '"', '\\', ''];
    const script = `printf '%s|' ${args.map(shellQuote).join(' ')}`;
    const result = await local.run('sh', ['-c', script]);
    expect(result.stdout).toBe(`${args.join('|')}|`);
  });

  it('refuses a NUL byte, which no command line can carry', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});
