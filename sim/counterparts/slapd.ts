/**
 * A real OpenLDAP slapd for tests and the simulated lab: its own temp directory,
 * a free loopback port, the base entries of a lab directory (people, groups and
 * two VPN groups, one groupOfNames and one posixGroup). Stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';

export interface SlapdOptions {
  /** Directory suffix; default dc=lab,dc=test. */
  suffix?: string;
  /** Password of the root DN; default a random one. */
  adminPassword?: string;
}

export interface Slapd {
  url: string;
  suffix: string;
  adminDn: string;
  adminPassword: string;
  /** ou=people, relative to the suffix (the driver's user directory). */
  userDirectory: string;
  /** A groupOfNames the VPN admits; its placeholder member is the admin DN (groupOfNames needs one). */
  vpnGroupDn: string;
  /** A posixGroup the VPN admits (memberUid). */
  vpnPosixGroupDn: string;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

/** A port the kernel just handed out on 127.0.0.1; slapd retries with another if it lost the race. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// slapd reads rootpw from the file: hash it so the admin password is neither on disk nor in `ps`.
const ssha = (password: string): string => {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
};

/**
 * OpenSSH-LPK, the schema labs add for SSH keys on accounts (Debian ships none of its own): an
 * auxiliary class with the key attribute, under the project's registered OIDs.
 */
const openSshLpkSchema = `
attributetype ( 1.3.6.1.4.1.24552.500.1.1.1.13 NAME 'sshPublicKey'
  DESC 'an OpenSSH public key line'
  EQUALITY octetStringMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 )
objectclass ( 1.3.6.1.4.1.24552.500.1.1.2.0 NAME 'ldapPublicKey' SUP top AUXILIARY
  DESC 'an account with OpenSSH public keys'
  MAY ( sshPublicKey $ uid ) )
`;

const slapdConf = (dir: string, suffix: string, adminDn: string, adminPassword: string): string => `
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include ${join(dir, 'openssh-lpk.schema')}
pidfile ${join(dir, 'slapd.pid')}
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 104857600
suffix "${suffix}"
rootdn "${adminDn}"
rootpw ${ssha(adminPassword)}
directory ${join(dir, 'db')}
index objectClass eq
index uid,cn eq
index memberUid,member eq
`;

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

/** Bind as admin until slapd answers; fail early with its stderr if it died. */
async function waitUntilServing(child: ChildProcess, url: string, adminDn: string, adminPassword: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`slapd exited: ${stderr()}`);
    const client = new Client({ url, connectTimeout: 1000, timeout: 1000 });
    try {
      await client.bind(adminDn, adminPassword);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`slapd did not answer on ${url}: ${String(err)}; ${stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
}

async function loadBaseEntries(url: string, suffix: string, adminDn: string, adminPassword: string): Promise<void> {
  const client = new Client({ url, timeout: 5000 });
  try {
    await client.bind(adminDn, adminPassword);
    const dc = /^dc=([^,]+)/i.exec(suffix)?.[1] ?? 'lab';
    await client.add(suffix, { objectClass: ['dcObject', 'organization'], dc, o: dc });
    await client.add(`ou=people,${suffix}`, { objectClass: 'organizationalUnit', ou: 'people' });
    await client.add(`ou=groups,${suffix}`, { objectClass: 'organizationalUnit', ou: 'groups' });
    await client.add(`cn=vpn,ou=groups,${suffix}`, { objectClass: 'groupOfNames', cn: 'vpn', member: adminDn });
    await client.add(`cn=vpn-posix,ou=groups,${suffix}`, { objectClass: 'posixGroup', cn: 'vpn-posix', gidNumber: '20000' });
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  const suffix = options.suffix ?? 'dc=lab,dc=test';
  const adminDn = `cn=admin,${suffix}`;
  const adminPassword = options.adminPassword ?? randomBytes(12).toString('base64url');
  const dir = await mkdtemp(join(tmpdir(), 'laas-slapd-'));
  await mkdir(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  await writeFile(join(dir, 'openssh-lpk.schema'), openSshLpkSchema);
  await writeFile(conf, slapdConf(dir, suffix, adminDn, adminPassword), { mode: 0o600 });

  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const url = `ldap://127.0.0.1:${port}`;
    // -d 0: stay in the foreground so the pid we hold is slapd's own.
    const child = spawn('slapd', ['-f', conf, '-h', `${url}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    try {
      await waitUntilServing(child, url, adminDn, adminPassword, () => stderr);
      await loadBaseEntries(url, suffix, adminDn, adminPassword);
    } catch (err) {
      await stopChild(child);
      if (attempt < 3 && /bind|address already in use/i.test(stderr)) continue;
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      url,
      suffix,
      adminDn,
      adminPassword,
      userDirectory: 'ou=people',
      vpnGroupDn: `cn=vpn,ou=groups,${suffix}`,
      vpnPosixGroupDn: `cn=vpn-posix,ou=groups,${suffix}`,
      pid: child.pid ?? 0,
      dir,
      stop: async () => {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
