import { realLabTestsOff } from './real-lab-support/opt-in';
import type { Client } from '@temporalio/client';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as LdapClient } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { headnodeName } from '../../activities/headnode';
import { generateKeyPair, type KeyPair } from '../../sim/counterparts/sshd';
import { bookingWorkflowId, hostWorkflowId, releaseSignal, taskQueueOf } from '../../workflows/definitions';
import { startBooking, waitForState } from '../helpers/booking';
import { failDeadAttempt, heartbeatingAttempt, resetStickyQueues, untilActivity } from './real-lab-support/activities-in-flight';
import { openRealLab, realBooking, realLabUnavailable, temporalClient, type RealLabSession } from './real-lab-support/lab-session';
import { PAUSE_STEPS } from './real-lab-support/pause-points';
import { authorizedKeys, directoryView, networkFilesOf, portState, residueOf } from './real-lab-support/residue';
import { WorkerProcess } from './real-lab-support/worker-control';

// The worker process SIGKILLed in the middle of every step of one booking, right after the step's
// first change reached its device, and started again: the booking still completes, and every
// device holds the booking's change once.
const unavailable = realLabTestsOff() || realLabUnavailable();
const HOST = 'rk-01';

/** The activity each step runs, and whose workflow schedules it. */
const ACTIVITY = {
  power: 'preparePower',
  imaging: 'imageHost',
  switch: 'configureSwitchPorts',
  network: 'writeNetworkFiles',
  access: 'installSshKeys',
  vpn: 'createVpnAccounts',
  headnode: 'createHeadnode',
} as const;

let session: RealLabSession | undefined;
let workerEnv: NodeJS.ProcessEnv = {};
/** Every worker process the test started, stopped in afterAll whatever happened. */
const workers: WorkerProcess[] = [];
let temporal: { client: Client; close(): Promise<void> } | undefined;
let keyDir = '';
let alice: KeyPair;

beforeAll(async () => {
  if (unavailable) return;
  session = await openRealLab({ hosts: [HOST] });
  temporal = await temporalClient(inject('temporalAddress'));
  keyDir = await mkdtemp(join(tmpdir(), 'laas-kill-'));
  alice = await generateKeyPair(keyDir, 'alice');
  workerEnv = {
    ...process.env,
    DATABASE_URL: session.database.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    LAAS_LAB_FILE: session.lab.labFile,
    LAAS_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
  };
});

afterAll(async () => {
  for (const w of workers) await w.stop();
  await temporal?.close();
  await session?.close();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

describe.skipIf(unavailable !== '')(`the worker killed in the middle of each step${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('SIGKILL mid-step and a restart, seven times: the booking becomes active with one deploy, one VLAN setting per port, one key line, one LDAP entry, one headnode', async () => {
    const { lab, database } = session!;
    const client = temporal!.client;
    const startWorker = (pause?: (typeof PAUSE_STEPS)[number]) => {
      const w = new WorkerProcess(workerEnv, keyDir, pause);
      workers.push(w);
      return w;
    };
    // Imaging long enough that the deploy is still running when the killed imaging step is retried.
    lab.fog.setTiming({ imagingMs: 60_000 });
    const input = realBooking(lab, [HOST], alice);
    const [bookingWf, hostWf] = [bookingWorkflowId(input.id), hostWorkflowId(input.id, HOST)];
    let current = startWorker(PAUSE_STEPS[0]);
    await current.go();
    const handle = await startBooking(client, taskQueueOf(lab.name), input);

    for (const [i, step] of PAUSE_STEPS.entries()) {
      // The next worker loads while this one works its way to the middle of the step.
      const next = startWorker(PAUSE_STEPS[i + 1]);
      await current.waitForPause(step);
      expect(await current.kill()).toBe('SIGKILL');
      const workflowId = step === 'vpn' || step === 'headnode' ? bookingWf : hostWf;
      await failDeadAttempt(client, workflowId, ACTIVITY[step]);
      await resetStickyQueues(client, [bookingWf, hostWf]);
      await next.go();
      current = next;
      if (step === 'imaging') {
        // The retried step has found the running deploy and follows it (it heartbeats): let FOG finish it.
        await untilActivity(client, hostWf, ACTIVITY.imaging, 'following the deploy again', heartbeatingAttempt(2));
        lab.fog.setTiming({ imagingMs: 500 });
      }
    }

    const status = await waitForState(handle, ['active', 'failed', 'needs_cleanup'], 120_000);
    expect(status.state, JSON.stringify(status.error ?? status.leftovers)).toBe('active');
    // Every step ran twice: the killed attempt, and the one that finished. The VPN accounts and the
    // headnode are made side by side, so the worker killed in the VPN step may take a headnode
    // attempt with it as well (a third attempt there; still one headnode, checked below).
    const attempts = [...status.hosts[0]!.steps, ...status.bookingSteps].map((s) => [s.step, s.attempt] as const);
    expect(attempts.map(([step]) => step)).toEqual([...PAUSE_STEPS]);
    for (const [step, attempt] of attempts) expect([step, attempt]).toEqual([step, step === 'headnode' && attempt === 3 ? 3 : 2]);

    const vlan = (network: string) => status.networks.find((n) => n.name === network)!.vlan!;
    const [eno1, eno2] = lab.host(HOST).nics;
    expect(lab.fog.tasks(HOST).map((t) => [t.typeID, t.stateID])).toEqual([[1, 4]]);
    expect(await portState(lab, eno1!.port)).toBe(`tag=${vlan('public')} trunks=[4095] vlan_mode=native-untagged`);
    expect(await portState(lab, eno2!.port)).toBe(`tag=${vlan('private')} trunks=[${vlan('storage')}, 4095] vlan_mode=native-untagged`);
    expect(await networkFilesOf(lab, HOST)).toEqual(['/etc/netplan/90-laas.yaml']);
    expect(await authorizedKeys(lab, HOST)).toEqual([`${alice.publicKey} laas-booking=${input.id}`]);
    const directory = await directoryView(lab, 'alice');
    expect(directory.entries).toHaveLength(1);
    expect(directory.groupMembers.filter((m) => m === directory.entries[0]!.dn)).toHaveLength(1);
    // The killed attempt's password was lost with it; the password the booking delivers is the one that binds.
    const vpnUser = new LdapClient({ url: lab.slapd.url, timeout: 5000 });
    await vpnUser.bind(directory.entries[0]!.dn, status.vpnPasswords?.alice ?? '(none delivered)');
    await vpnUser.unbind();
    expect((await readdir(lab.headnodes.overlayDir)).sort()).toEqual([`${headnodeName(input.id)}.qcow2`, `${headnodeName(input.id)}.xml`]);

    await handle.signal(releaseSignal, { reason: 'done' });
    expect((await waitForState(handle, ['released', 'needs_cleanup', 'failed'], 120_000)).state).toBe('released');
    expect(await residueOf(lab, database.db, { bookingId: input.id, hosts: [HOST], vpnUsers: ['alice'] })).toEqual([]);
  }, 420_000);
});
