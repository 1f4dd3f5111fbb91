// History size: events in a booking's workflow history and in each host child's, for 1-, 2- and
// 20-host bookings (more with --hosts), provisioned to active and released, on zero-latency devices.
// Usage: npx tsx bench/history.ts [--hosts 1,2,20] [--workflows <dir of another checkout's workflows/index.ts>] [--dump <dir>]
// --dump writes each history as one line per event (id, time since its first event, type, activity/signal/marker name) to study them.
// --workflows measures other workflow code (e.g. main's, for "before") with today's activities.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { EventSink } from '../activities/deps';
import { createWorker, workflowsPath } from '../workers/worker';
import { simLabDeps } from '../workers/sim-deps';
import { bookingWorkflowId, hostWorkflowId, releaseSignal } from '../workflows/definitions';
import { benchBooking } from './lib/booking';
import { benchHostName, benchLab } from './lib/bench-lab';
import { benchServer, load, machine, option } from './lib/setup';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const sizes = option('hosts', '1,2,20').split(',').map(Number);
const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error };

async function bundle(): Promise<{ path: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'laas-bench-history-'));
  const path = join(dir, 'workflows.js');
  const code = (await bundleWorkflowCode({ workflowsPath: option('workflows', workflowsPath), logger: quiet })).code;
  writeFileSync(path, code);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

interface JsonEvent {
  eventTime?: string;
  eventId: string;
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType: { name: string } };
  workflowExecutionSignaledEventAttributes?: { signalName: string };
  signalExternalWorkflowExecutionInitiatedEventAttributes?: { signalName: string };
  markerRecordedEventAttributes?: { markerName: string };
}

/** One line an event: its id, its type, and the activity, signal or marker it is about. */
function describeEvent(e: JsonEvent, i: number, all: JsonEvent[]): string {
  const what =
    e.activityTaskScheduledEventAttributes?.activityType.name ??
    e.workflowExecutionSignaledEventAttributes?.signalName ??
    e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName ??
    e.markerRecordedEventAttributes?.markerName ??
    '';
  // Milliseconds since the history's first event: where a booking's time goes between its events.
  const ms = e.eventTime && all[0]?.eventTime ? Date.parse(e.eventTime) - Date.parse(all[0].eventTime) : NaN;
  return `${e.eventId} +${ms}ms ${e.eventType.replace('EVENT_TYPE_', '')} ${what}`.trim();
}

async function main(): Promise<void> {
  console.log(machine());
  const server = await benchServer();
  const code = await bundle();
  const states = new Map<string, () => void>();
  const events: EventSink = {
    append: (e) => {
      if (e.kind === 'state:active') states.get(e.bookingId)?.();
      return Promise.resolve();
    },
    leftovers: () => Promise.resolve(),
  };
  const largest = Math.max(...sizes);
  const { deps } = simLabDeps(benchLab(largest), events, { imagingMs: 0, timing: { imagingPollMs: 50 } });
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await createWorker({ connection, namespace: 'default', taskQueue: 'bench-history', deps, workflowBundle: { codePath: code.path } });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const dump = option('dump', '');
  const count = async (workflowId: string) => {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    if (dump) writeFileSync(join(dump, `${workflowId}.txt`), `${(JSON.parse(historyToJSON(history)) as { events: JsonEvent[] }).events.map(describeEvent).join('\n')}\n`);
    return (history.events ?? []).length;
  };
  try {
    console.log(`workflows from ${option('workflows', workflowsPath)}`);
    console.log('| hosts | booking events | per host child (min–max) | total | total ÷ hosts |\n| --- | --- | --- | --- | --- |');
    for (const n of sizes) {
      const hosts = Array.from({ length: n }, (_, i) => benchHostName(i));
      const input = benchBooking(`history-${n}-${Date.now()}`, hosts, 'alice');
      const active = new Promise<void>((resolve) => states.set(input.id, resolve));
      const handle = await client.workflow.start('bookingWorkflow', { workflowId: bookingWorkflowId(input.id), taskQueue: 'bench-history', args: [input] });
      await active;
      await handle.signal(releaseSignal, { reason: 'bench' });
      await handle.result();
      const parent = await count(handle.workflowId);
      const children = await Promise.all(hosts.map((h) => count(hostWorkflowId(input.id, h))));
      const total = parent + children.reduce((a, b) => a + b, 0);
      console.log(`| ${n} | ${parent} | ${Math.min(...children)}–${Math.max(...children)} | ${total} | ${(total / n).toFixed(1)} |`);
    }
    console.log(`load average after ${load()}`);
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await client.connection.close();
    await server.stop();
    code.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
