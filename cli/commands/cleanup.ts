import type { Command } from 'commander';
import { CliError, EXIT, type CliContext } from '../context';
import { apiClient } from './api-client';
import { alignRows } from './booking-screen';
import type { Leftover } from './booking-types';

/**
 * `laas cleanup ...`: bookings whose undos failed for good (state needs_cleanup) and what they
 * left behind; once the cause is fixed, run those undos again.
 */

const describe = (l: Leftover) => `${l.host ?? 'booking'} ${l.step}: ${l.error.type}: ${l.error.message}`;

export function register(program: Command, ctx: CliContext): void {
  const cleanup = program.command('cleanup').description('bookings whose undos failed (needs_cleanup), and running those undos again');

  cleanup
    .command('list')
    .description('bookings in needs_cleanup with what each left behind')
    .option('--project <name>', 'only this project')
    .option('--json', 'JSON output')
    .action(async (opts: { project?: string }, command: Command) => {
      const api = apiClient();
      const waiting = await api.listAllBookings({ state: 'needs_cleanup', ...(opts.project ? { project: opts.project } : {}) });
      // The listing has no leftovers; each booking's own view does.
      const views = await Promise.all(waiting.map((b) => api.getBooking(b.id)));
      const stillWaiting = views.filter((v) => v.state === 'needs_cleanup');
      if (ctx.json(command)) {
        const out = stillWaiting.map((v) => ({ id: v.id, project: v.project, owner: v.owner, leftovers: v.cleanup?.leftovers ?? [] }));
        return ctx.out(JSON.stringify(out, null, 2));
      }
      if (!stillWaiting.length) return ctx.out('(no booking needs cleanup)');
      const rows = stillWaiting.flatMap((v) =>
        (v.cleanup?.leftovers ?? []).map((l) => [v.id, v.project, l.host ?? '-', l.step, `${l.error.type}: ${l.error.message}`]),
      );
      for (const line of alignRows([['BOOKING', 'PROJECT', 'HOST', 'STEP', 'ERROR'], ...rows])) ctx.out(line);
    });

  cleanup
    .command('retry')
    .description('run the failed undos of a needs_cleanup booking again (fix their cause first); exit 1 while something is still left')
    .argument('<id>')
    .option('--json', 'JSON output')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const { leftovers } = await apiClient().retryCleanup(id);
      if (ctx.json(command)) ctx.out(JSON.stringify({ ok: leftovers.length === 0, id, leftovers }));
      else if (!leftovers.length) ctx.out(`booking ${id}: every undo ran; nothing is left behind`);
      else ctx.out([`booking ${id}: still left behind:`, ...leftovers.map((l) => `  ${describe(l)}`)].join('\n'));
      if (leftovers.length) throw new CliError(`booking ${id} still needs cleanup (${leftovers.length} left)`, EXIT.failed);
    });
}
