import type { Command } from 'commander';
import type { CliContext } from './context';
import { register as credentials } from './credentials';
import { register as hosts } from './hosts';
import { register as networks } from './networks';
import { register as projects } from './projects';
import { register as switches } from './switches';
import { register as users } from './users';

export type { CliContext } from './context';

/** Every inventory command: host, switch, port, project, network, user, credential. */
export function register(program: Command, ctx: CliContext): void {
  hosts(program, ctx);
  switches(program, ctx);
  projects(program, ctx);
  networks(program, ctx);
  users(program, ctx);
  credentials(program, ctx);
}
