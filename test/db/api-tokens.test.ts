import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerTokens } from '../../cli/commands/tokens';
import { CliError, EXIT, type CliContext } from '../../cli/context';
import { createDashboardToken, createUserToken, listApiTokens, revokeApiToken, tokenHolder } from '../../db/api-tokens';
import { ensureLab } from '../../db/labs';
import { createProject } from '../../db/projects';
import { addUserToProject, createUser, userForToken } from '../../db/users';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';

let t: TempDatabase;
const savedUrl = process.env.DATABASE_URL;

beforeAll(async () => {
  t = await createTempDatabase();
  await ensureLab(t.db, 'sim');
  await createProject(t.db, 'demo');
  await createUser(t.db, 'alice', null);
  await createUser(t.db, 'root', null, true);
  await addUserToProject(t.db, 'alice', 'demo');
  // The CLI reads the database from the settings, as `laas` does.
  process.env.DATABASE_URL = t.url;
});
afterAll(async () => {
  if (savedUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = savedUrl;
  await t?.drop();
});

describe('API tokens', () => {
  it('keeps only a hash; a user token speaks for the user and its projects, on /v1 and HIL alike', async () => {
    const { id, token } = await createUserToken(t.db, 'alice', 'laptop');
    expect(token).toMatch(/^laas_[A-Za-z0-9_-]{43}$/);
    const rows = await t.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token.slice(5));
    expect(await tokenHolder(t.db, token)).toEqual({ tokenId: id, kind: 'user', user: { name: 'alice', isAdmin: false, projects: ['demo'] } });
    expect((await userForToken(t.db, token))?.name).toBe('alice');
    expect(await tokenHolder(t.db, `${token}x`)).toBeNull();
    const [listed] = await listApiTokens(t.db, { user: 'alice' });
    expect(listed).toMatchObject({ id, kind: 'user', user: 'alice', admin: false, lab: null, label: 'laptop' });
    expect(listed!.lastUsedAt).toBeInstanceOf(Date);
  });

  it('gives a dashboard token a lab and no user, so HIL does not take it', async () => {
    await expect(createDashboardToken(t.db, 'nolab')).rejects.toMatchObject({ type: 'NotFoundError', message: 'lab nolab does not exist' });
    const { id, token } = await createDashboardToken(t.db, 'sim', 'dashboard.example');
    expect(await tokenHolder(t.db, token)).toEqual({ tokenId: id, kind: 'dashboard', lab: 'sim', label: 'dashboard.example' });
    expect(await userForToken(t.db, token)).toBeNull();
  });

  it('refuses a label that is not one short line, and tokens for unknown users', async () => {
    await expect(createUserToken(t.db, 'alice', 'two\nlines')).rejects.toMatchObject({ type: 'BadArgumentError' });
    await expect(createUserToken(t.db, 'mallory')).rejects.toMatchObject({ type: 'NotFoundError' });
  });

  it('revokes a token at once, and says so for an unknown id', async () => {
    const { id, token } = await createUserToken(t.db, 'root');
    expect((await tokenHolder(t.db, token))?.kind).toBe('user');
    expect(await revokeApiToken(t.db, id)).toMatchObject({ id, user: 'root', admin: true });
    expect(await tokenHolder(t.db, token)).toBeNull();
    expect(await userForToken(t.db, token)).toBeNull();
    await expect(revokeApiToken(t.db, id)).rejects.toMatchObject({ type: 'NotFoundError', message: `there is no token ${id}` });
  });
});

describe('laas tokens', () => {
  /** Runs `laas tokens ...` on a fresh program; what it printed on stdout and stderr. */
  async function laas(args: string[]): Promise<{ out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      json: (command) => Boolean(command.optsWithGlobals<{ json?: boolean }>().json),
      out: (line) => void out.push(line),
      err: (line) => void err.push(line),
    };
    const program = new Command('laas').option('--json').exitOverride();
    registerTokens(program, ctx);
    await program.parseAsync(args, { from: 'user' });
    return { out, err };
  }

  it('creates a token, printed alone and once; lists tokens without them; revokes by id', async () => {
    const made = await laas(['tokens', 'create', '--user', 'alice', '--label', 'ci']);
    expect(made.out).toHaveLength(1);
    const token = made.out[0]!;
    expect(token).toMatch(/^laas_/);
    expect(made.err.join('\n')).toMatch(/^token \d+ \(user alice\) created; it is shown this once$/);
    const id = (await tokenHolder(t.db, token))!.tokenId;

    const dash = JSON.parse((await laas(['--json', 'tokens', 'create', '--dashboard', 'sim'])).out[0]!) as { id: number; kind: string; lab: string; token: string };
    expect(dash).toMatchObject({ kind: 'dashboard', lab: 'sim', token: expect.stringMatching(/^laas_/) as string });

    const table = (await laas(['tokens', 'list'])).out;
    expect(table[0]).toMatch(/^ID\s+ROLE\s+USER\s+LAB\s+LABEL\s+CREATED\s+LAST USED$/);
    expect(table.find((l) => l.startsWith(`${id} `))).toMatch(new RegExp(`^${id}\\s+user\\s+alice\\s+-\\s+ci\\s+\\S+Z\\s+\\S+Z$`));
    expect(table.find((l) => l.startsWith(`${dash.id} `))).toMatch(/\sdashboard\s+-\s+sim\s/);
    expect(table.join('\n')).not.toContain(token);
    const listed = JSON.parse((await laas(['--json', 'tokens', 'list', '--lab', 'sim'])).out.join('\n')) as { id: number; role: string }[];
    expect(listed.map((l) => [l.id, l.role])).toContainEqual([dash.id, 'dashboard']);
    expect(listed.every((l) => l.role === 'dashboard')).toBe(true);

    expect((await laas(['tokens', 'revoke', String(id)])).out).toEqual([`token ${id} (user alice, ci) revoked`]);
    expect(await tokenHolder(t.db, token)).toBeNull();
  });

  it('refuses unclear requests without changing anything', async () => {
    const before = (await listApiTokens(t.db)).length;
    await expect(laas(['tokens', 'create'])).rejects.toEqual(new CliError('say whose token this is: --user <name> or --dashboard <lab>', EXIT.usage));
    await expect(laas(['tokens', 'create', '--user', 'alice', '--dashboard', 'sim'])).rejects.toBeInstanceOf(CliError);
    await expect(laas(['tokens', 'revoke', 'abc'])).rejects.toMatchObject({ exitCode: EXIT.usage });
    const { id } = await createUserToken(t.db, 'alice');
    // One unknown id: the known one stays.
    await expect(laas(['tokens', 'revoke', String(id), '999999'])).rejects.toMatchObject({ type: 'NotFoundError' });
    expect((await listApiTokens(t.db)).map((x) => x.id)).toContain(id);
    expect((await listApiTokens(t.db)).length).toBe(before + 1);
  });
});
