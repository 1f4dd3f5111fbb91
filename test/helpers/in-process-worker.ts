/**
 * The worker's HIL device activities (headnodes, OBM tokens, console capture) run in this process
 * with Temporal's MockActivityEnvironment: real activity code, real drivers, real PostgreSQL, but
 * no Temporal server in between. For tests of the API's own rules (authorization, curl pages,
 * HIL's answers); the tests in test/api/ run the same calls through a real worker.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { NodeConsoles, type ConsoleRunner } from '../../api/consoles';
import { DeviceCallFailed } from '../../api/device-calls';
import type { HilDeps } from '../../api/hil/deps';
import { createConsoleActivities } from '../../activities/console-capture';
import type { ActivityDeps } from '../../activities/deps';
import { createHilDeviceActivities } from '../../activities/hil-devices';
import type { Keyring } from '../../db/crypto';
import type { Database } from '../../db/database';
import { databaseInventory } from '../../db/inventory';
import { bmcConsoles, type ConsoleDriver } from '../../drivers/console/bmc-console';
import type { HeadnodeDriver } from '../../drivers/headnode/headnode';
import { databaseConsoleLogs, databaseCredentials } from '../../workers/inventory-deps';

/** An activity context of its own per call; failures the test expects are not logged. */
const activityEnv = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

/** A failure as the API gets it from a workflow: a device error of the activity's type. */
async function asWorkflowWould<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ApplicationFailure) throw new DeviceCallFailed(err.type ?? 'Error', err.message);
    throw err;
  }
}

export function inProcessWorker(db: Kysely<Database>, keyring: Keyring, lab: string, options: { headnode?: HeadnodeDriver; console?: ConsoleDriver } = {}): Pick<HilDeps, 'obmCall' | 'headnodes' | 'consoles'> {
  const deps = {
    labName: lab,
    inventory: databaseInventory(db, lab),
    credentials: databaseCredentials(db, keyring),
    hostLogin: { username: 'root', privateKey: 'none' },
    timing: { imagingPollMs: 1000, imagingTimeoutMs: 60_000, rebootTimeoutMs: 60_000, heartbeatMs: 200 },
    consoleLogs: databaseConsoleLogs(db),
    drivers: { console: options.console ?? bmcConsoles(), ...(options.headnode ? { headnode: options.headnode } : {}) } as ActivityDeps['drivers'],
  };
  const devices = createHilDeviceActivities(deps);
  const consoles = createConsoleActivities(deps);
  const running = new Map<string, { env: MockActivityEnvironment; done: Promise<unknown> }>();
  const runner: ConsoleRunner = {
    start(node) {
      if (running.has(node)) return Promise.resolve();
      const env = activityEnv();
      // As consoleCaptureWorkflow: a capture that fails records why, a cancelled one says nothing.
      const done = env.run((input: { node: string }) => consoles.captureConsole(input), { node }).catch(async (err: unknown) => {
        if (env.context.cancellationSignal.aborted) return;
        await consoles.consoleEnded({ node, reason: (err as Error).message });
      }).finally(() => running.delete(node));
      running.set(node, { env, done });
      return Promise.resolve();
    },
    async stop(node) {
      const run = running.get(node);
      if (!run) return;
      run.env.cancel();
      await run.done;
    },
  };
  return {
    obmCall: (call) => asWorkflowWould(activityEnv().run((c: typeof call) => devices.setObmToken(c), call)),
    ...(options.headnode ? { headnodes: { call: (call) => asWorkflowWould(activityEnv().run((c: typeof call) => devices.runHeadnodeCall(c), call)) } } : {}),
    consoles: new NodeConsoles(db, runner),
  };
}
