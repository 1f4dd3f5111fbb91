import type { DirectoryUser } from '../drivers/directory/directory';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';

/** One change or read of the directory's standing users (liblaas's user routes). */
export type DirectoryUserCall =
  | { op: 'get'; uids: string[] }
  | { op: 'create'; user: Omit<DirectoryUser, 'sshKeys'> }
  | { op: 'setKeys'; uid: string; keys: string[] }
  | { op: 'setCompany'; uid: string; ou: string };

/** `users` for get; `done` (false: no such user, or the name is taken) for the changes. */
export interface DirectoryUserAnswer {
  users?: DirectoryUser[];
  done?: boolean;
}

export function createDirectoryUserActivities(deps: Pick<ActivityDeps, 'drivers'>) {
  const directory = deps.drivers.directory;
  return {
    /** The directory driver's user calls; each is idempotent (a retried create finds its user and answers false). */
    async runDirectoryUserCall(call: DirectoryUserCall): Promise<DirectoryUserAnswer> {
      switch (call.op) {
        case 'get':
          return { users: await asStep(() => directory.getUsers(call.uids)) };
        case 'create':
          return { done: await asStep(() => directory.createUser(call.user)) };
        case 'setKeys':
          return { done: await asStep(() => directory.setUserKeys(call.uid, call.keys)) };
        case 'setCompany':
          return { done: await asStep(() => directory.setUserCompany(call.uid, call.ou)) };
      }
    },
  };
}
