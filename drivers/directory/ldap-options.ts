import { z } from 'zod';

const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an LDAP attribute or objectClass name');
// Operators write DNs by hand in configuration: check the shape (type=value pairs), not the schema.
const dn = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*=[^,]+(,[A-Za-z][A-Za-z0-9-]*=[^,]+)*$/, 'must be a DN such as ou=people,dc=lab,dc=test');

const person = ['person', 'organizationalperson', 'inetorgperson'];

/** Options of the LDAP directory behind the lab VPN (the old pack's `vpn` block, with group and scheme added). */
export const ldapDirectoryOptionsSchema = z
  .object({
    /** ldap:// or ldaps:// URL of the directory server. */
    url: z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/, 'must be ldap://host[:port] or ldaps://host[:port]'),
    /** DN the driver binds as to manage VPN accounts. */
    bindDn: dn,
    /** Password of bindDn, looked up from the lab's credentials, never carried by a workflow. */
    bindPassword: z.string().min(1, 'must not be empty'),
    /** Base of the directory, e.g. dc=lab,dc=test. */
    root: dn,
    /** Where VPN users live, relative to root, e.g. ou=people. */
    userDirectory: dn.default('ou=people'),
    /** The group the VPN server admits. */
    vpnGroup: z.object({
      /** Full DN of the group, e.g. cn=vpn,ou=groups,dc=lab,dc=test. */
      dn,
      /** groupOfNames lists members' DNs in `member`; posixGroup lists their uids in `memberUid`. */
      membership: z.enum(['member', 'memberUid']).default('member'),
    }),
    /** objectClasses of a new account; add posixAccount when the VPN needs uid/gid numbers. */
    objectClasses: z.array(attributeName).min(1).default(['inetOrgPerson']),
    /** `{SSHA}` hashes here and stores the hash; `server` sets the password with the Password Modify operation so the directory applies its own scheme. */
    passwordScheme: z.enum(['{SSHA}', 'server']).default('{SSHA}'),
    /** Numbers for posixAccount entries; required when objectClasses has posixAccount. */
    posix: z
      .object({
        /** Primary group of every VPN account. */
        gidNumber: z.number().int().min(0).max(2 ** 31 - 1),
        /** First uidNumber handed out; later accounts get one more than the highest in use. */
        uidNumberFrom: z.number().int().min(1).max(2 ** 31 - 1).default(20000),
        /** VPN accounts never log in to a shell, so they get no home. */
        homeDirectory: z.string().startsWith('/').default('/nonexistent'),
        /** Likewise no shell. */
        loginShell: z.string().startsWith('/').default('/usr/sbin/nologin'),
      })
      .optional(),
    /** Where a standing user's SSH keys live: OpenSSH-LPK (ldapPublicKey/sshPublicKey) by default, FreeIPA's ipaSshUser/ipaSshPubKey. */
    sshKeys: z.object({ objectClass: attributeName, attribute: attributeName }).default({ objectClass: 'ldapPublicKey', attribute: 'sshPublicKey' }),
    /** Milliseconds to wait for the connection and for each operation. */
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .superRefine((o, ctx) => {
    const classes = o.objectClasses.map((c) => c.toLowerCase());
    if (classes.includes('posixaccount') && !o.posix) {
      ctx.addIssue({ code: 'custom', path: ['posix'], message: 'is required when objectClasses has posixAccount' });
    }
    if (!classes.some((c) => person.includes(c) || c === 'posixaccount')) {
      ctx.addIssue({ code: 'custom', path: ['objectClasses'], message: 'needs a class that allows cn (inetOrgPerson or posixAccount)' });
    }
  });

export type LdapDirectoryInput = z.input<typeof ldapDirectoryOptionsSchema>;
export type LdapDirectoryOptions = z.output<typeof ldapDirectoryOptionsSchema>;

/** Parse once at construction; the error names the keys, never their values (one of them is a password). */
export function parseLdapDirectoryOptions(input: LdapDirectoryInput): Readonly<LdapDirectoryOptions> {
  const parsed = ldapDirectoryOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
    throw new Error(`invalid LDAP directory options:\n  ${problems.join('\n  ')}`);
  }
  return Object.freeze(parsed.data);
}

/** Whether the entry needs `sn` (person and its subclasses require it). */
export function needsSurname(options: LdapDirectoryOptions): boolean {
  return options.objectClasses.some((c) => person.includes(c.toLowerCase()));
}

export function isPosix(options: LdapDirectoryOptions): boolean {
  return options.objectClasses.some((c) => c.toLowerCase() === 'posixaccount');
}
