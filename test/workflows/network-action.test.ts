import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { startNetworkAction } from '../../api/network-actions';
import { connectNode, createProject } from '../../db/projects';
import { createNetwork } from '../../db/networks';
import { getNetworkAction, requestConnectNetwork, requestDetachNetwork } from '../../db/network-actions';

let env: LabWorker;
beforeAll(async () => {
  env = await startLabWorker();
  await createProject(env.database.db, 'hil-demo');
  await connectNode(env.database.db, 'hil-demo', 'sim-03');
});
afterAll(async () => {
  await env?.close();
});

async function settle(id: string) {
  await startNetworkAction(env.client, env.taskQueue, id);
  return env.client.workflow.getHandle(id).result() as Promise<{ status: string; error?: string }>;
}

describe('HIL networking actions as workflows', () => {
  it('connect_network then detach_network: PENDING while running, DONE after, the switch port follows', async () => {
    const net = await createNetwork(env.database.db, { lab: 'sim', name: 'hil-net', owner: 'hil-demo', access: ['hil-demo'], vlan: null });
    const id = await requestConnectNetwork(env.database.db, { node: 'sim-03', nic: 'eno1', network: 'hil-net' });
    expect((await getNetworkAction(env.database.db, id)).status).toBe('PENDING');
    expect(await settle(id)).toEqual({ status: 'DONE' });
    expect((await getNetworkAction(env.database.db, id)).status).toBe('DONE');
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/5')).toEqual({ native: net.vlan, tagged: [] });
    // Starting the same action again joins the finished run: nothing happens twice.
    await startNetworkAction(env.client, env.taskQueue, id);

    const detach = await requestDetachNetwork(env.database.db, { node: 'sim-03', nic: 'eno1', network: 'hil-net' });
    expect(await settle(detach)).toEqual({ status: 'DONE' });
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/5')).toEqual({ native: null, tagged: [] });
  });

  it('a switch that refuses ends ERROR with the switch message, not PENDING; nothing is attached', async () => {
    await createNetwork(env.database.db, { lab: 'sim', name: 'hil-net-2', owner: 'hil-demo', access: ['hil-demo'], vlan: null });
    env.simLab.faults.inject({ at: 'switch.configure', target: 'sim-03', kind: 'permanent' });
    const id = await requestConnectNetwork(env.database.db, { node: 'sim-03', nic: 'eno2', network: 'hil-net-2', channel: undefined });
    const outcome = await settle(id);
    env.simLab.faults.clear();
    expect(outcome.status).toBe('ERROR');
    expect(outcome.error).toContain('simulated permanent fault at switch.configure');
    const view = await getNetworkAction(env.database.db, id);
    expect(view.status).toBe('ERROR');
    // The NIC is free again for the next request.
    const retry = await requestConnectNetwork(env.database.db, { node: 'sim-03', nic: 'eno2', network: 'hil-net-2' });
    expect(await settle(retry)).toEqual({ status: 'DONE' });
  });
});
