import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { startNetworkAction } from '../../api/network-actions';
import { startPowerCall } from '../../api/power-actions';
import { temporalConsoleRunner } from '../../api/consoles';
import { consoleLogState, requestConsoleLog } from '../../db/console-logs';
import { hilHeadnodeWorkflow, obmTokenWorkflow } from '../../workflows/hil-device-calls';
import { connectNode, createProject } from '../../db/projects';
import { createNetwork } from '../../db/networks';
import { requestConnectNetwork, requestDetachNetwork } from '../../db/network-actions';
import { join } from 'node:path';
import { inject } from 'vitest';
import { Worker } from '@temporalio/worker';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { hostWorkflowId, releaseSignal, retryCleanupUpdate } from '../../workflows/definitions';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';

const historiesDir = join(import.meta.dirname, '..', 'histories');

/**
 * Committed histories replayed against today's workflow code: a change that would break a
 * running booking fails here. `LAAS_RECORD_HISTORIES=1 npx vitest run test/workflows/histories.test.ts`
 * records fresh ones (only when the change is meant to be incompatible and patched; see docs).
 */
describe('workflow histories', () => {
  const record = process.env.LAAS_RECORD_HISTORIES === '1';

  describe.runIf(record)('recording', () => {
    let env: LabWorker;
    beforeAll(async () => {
      env = await startLabWorker();
    });
    afterAll(async () => {
      await env?.close();
    });

    /**
     * The generation of the workflow code the recordings are made with: bumped by a patched change
     * (docs/versioning.md), so the new path is recorded next to the old one. Generation 1 has no
     * suffix; 2 added the patches host-children-started-together, host-progress-not-awaited and
     * teardown-signals-together.
     */
    const generation: number = 6;
    /**
     * File suffix of each generation: 3 is issue 17's (steps recorded in the read model, patch
     * i17-steps-in-read-model); 4 its fewer events (patches i17-booking-fewer-events, i17-host-fewer-events);
     * 5 the host's steps that a teardown's undo waits for (patch i17-steps-wait-cancel); 6 the
     * booking's VPN accounts and headnode made from its first host ready (patch i17-booking-steps-early).
     */
    const suffixes: Record<number, string> = { 1: '', 2: '.v2', 3: '.i17', 4: '.i17b', 5: '.i17c', 6: '.i17d' };
    // Histories are kept, not replaced: an old one is exactly what proves a change compatible.
    async function save(scenario: string, workflowId: string): Promise<void> {
      const name = `${scenario}${suffixes[generation]}`;
      const file = join(historiesDir, `${name}.json`);
      if (existsSync(file)) return;
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      writeFileSync(file, `${historyToJSON(history)}\n`);
    }

    it('records a released booking and a failed one', async () => {
      const ok = sampleBooking(['sim-01', 'sim-02'], { id: 'history-released' });
      const okHandle = await startBooking(env.client, env.taskQueue, ok);
      await waitForState(okHandle, ['active']);
      await okHandle.signal(releaseSignal, { reason: 'recording' });
      await okHandle.result();
      await save('booking-released', okHandle.workflowId);
      await save('host-released', hostWorkflowId(ok.id, 'sim-01'));

      env.simLab.faults.inject({ at: 'switch.configure', target: 'sim-04', kind: 'permanent' });
      const bad = sampleBooking(['sim-03', 'sim-04'], { id: 'history-failed' });
      const badHandle = await startBooking(env.client, env.taskQueue, bad);
      await badHandle.result().catch(() => undefined);
      await save('booking-failed', badHandle.workflowId);
      await save('host-failed', hostWorkflowId(bad.id, 'sim-04'));
    });

    it('records a booking whose failed step could not be undone, cleaned up by an operator', async () => {
      env.simLab.faults.inject({ at: 'switch.configure', target: 'sim-02', kind: 'permanent' });
      env.simLab.faults.inject({ at: 'switch.reset', target: 'sim-02', kind: 'permanent' });
      const input = sampleBooking(['sim-02'], { id: 'history-cleanup', headnode: undefined });
      const handle = await startBooking(env.client, env.taskQueue, input);
      await waitForState(handle, ['needs_cleanup']);
      env.simLab.faults.clear();
      await handle.executeUpdate(retryCleanupUpdate, { args: [] });
      await handle.result().catch(() => undefined);
      await save('booking-needs-cleanup', handle.workflowId);
      await save('host-needs-cleanup', hostWorkflowId(input.id, 'sim-02'));
    });

    it('records a HIL networking action, done and refused', async () => {
      const db = env.database.db;
      await createProject(db, 'history');
      await connectNode(db, 'history', 'sim-01');
      await createNetwork(db, { lab: 'sim', name: 'history-net', owner: 'history', access: ['history'], vlan: null });
      const done = await requestConnectNetwork(db, { node: 'sim-01', nic: 'eno1', network: 'history-net' });
      await startNetworkAction(env.client, env.taskQueue, done);
      await env.client.workflow.getHandle(done).result();
      await save('network-action-done', done);
      env.simLab.faults.inject({ at: 'switch.configure', kind: 'permanent' });
      const refused = await requestDetachNetwork(db, { node: 'sim-01', nic: 'eno1', network: 'history-net' });
      await startNetworkAction(env.client, env.taskQueue, refused);
      await env.client.workflow.getHandle(refused).result();
      await save('network-action-error', refused);
    });

    it('records a HIL power call, done and failed by its BMC', async () => {
      env.simLab.faults.clear();
      const done = await startPowerCall(env.client, env.taskQueue, { node: 'sim-02', action: 'cycle' });
      await done.result();
      await save('power-action-done', done.workflowId);
      env.simLab.faults.inject({ at: 'power.bootdev', target: 'sim-02', kind: 'permanent' });
      const failed = await startPowerCall(env.client, env.taskQueue, { node: 'sim-02', action: 'bootdev', device: 'pxe' });
      await failed.result().catch(() => undefined);
      env.simLab.faults.clear();
      await save('power-action-error', failed.workflowId);
    });

    /** Issue 15's new workflows, recorded as `<scenario>.i15.json` (kept, not replaced, like the rest). */
    async function saveI15(scenario: string, workflowId: string): Promise<void> {
      const file = join(historiesDir, `${scenario}.i15.json`);
      if (existsSync(file)) return;
      writeFileSync(file, `${historyToJSON(await env.client.workflow.getHandle(workflowId).fetchHistory())}\n`);
    }

    it("records a console capture stopped by the API, an OBM call and a refused headnode call", async () => {
      await requestConsoleLog(env.database.db, 'sim-03');
      const consoles = temporalConsoleRunner(env.client, env.taskQueue, env.lab.name);
      await consoles.start('sim-03');
      for (let i = 0; i < 100 && (await consoleLogState(env.database.db, 'sim-03'))?.state !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
      await consoles.stop('sim-03');
      await saveI15('console-capture-stopped', `console-${env.lab.name}-sim-03`);
      const obm = await env.client.workflow.start(obmTokenWorkflow, { workflowId: 'obm-sim-03-recorded', taskQueue: env.taskQueue, args: [{ node: 'sim-03', enabled: true }] });
      await obm.result();
      await saveI15('obm-call-done', obm.workflowId);
      // The simulated hypervisor has no base images to list: refused, not retried.
      const images = await env.client.workflow.start(hilHeadnodeWorkflow, { workflowId: 'headnode-images-recorded', taskQueue: env.taskQueue, args: [{ action: 'images' }] });
      await images.result().catch(() => undefined);
      await saveI15('headnode-call-refused', images.workflowId);
    });
  });

  it('replay against the current workflow code without nondeterminism', async () => {
    const files = readdirSync(historiesDir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(readFileSync(join(historiesDir, file), 'utf8')));
      // Throws DeterminismViolationError (or the workflow's own error) on an incompatible change.
      await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, file);
    }
  });
});
