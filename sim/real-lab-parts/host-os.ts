/**
 * What a freshly imaged host's OS looks like to the lab, laid down in an sshd box
 * (sim/counterparts/sshd.ts): the lab's own login key accepted for root, root's
 * ~/.ssh present, and the directories each OS family keeps its network files in.
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SshdBox } from '../counterparts/sshd';

const run = promisify(execFile);

/** Where netplan, ifupdown, RHEL and SUSE images keep their network files. */
export const NETWORK_FILE_DIRS = ['/etc/netplan', '/etc/network/interfaces.d', '/etc/sysconfig/network-scripts', '/etc/sysconfig/network'];

/**
 * Runs argv inside the box's mount and UTS namespaces (where its /etc overlay and host
 * name live), as an operator with a console on the host would. Arguments never pass a shell.
 */
export async function inHostOs(box: SshdBox, argv: string[]): Promise<string> {
  // The unshare process at box.pid holds the box's mount namespace (it unshared before forking PID 1).
  const { stdout } = await run('nsenter', ['-t', String(box.pid), '-m', '-u', '--', ...argv]);
  return stdout;
}

export async function prepareHostOs(box: SshdBox, labLoginPublicKey: string): Promise<void> {
  // The box's own AuthorizedKeysFile, outside /root: the lab's key lives where booking edits cannot reach it.
  await appendFile(join(box.dir, 'authkeys', 'root'), `${labLoginPublicKey}\n`);
  // /root is bind-mounted from box.home, so it can be prepared from outside.
  await mkdir(join(box.home, '.ssh'), { recursive: true, mode: 0o700 });
  await inHostOs(box, ['mkdir', '-p', ...NETWORK_FILE_DIRS]);
}
