import { describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { bookingWorkflowId } from '../../workflows/definitions';
import { useApiFixture, withForeignFlavorImage } from '../helpers/api-fixture';

// Every value that would reach a device is refused at the door, naming its field, before any
// workflow starts or any host is held: the drivers' own checks, run by the API.

const fx = useApiFixture({ lab: withForeignFlavorImage });
const { auth } = fx;
const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop';

function host(overrides: Record<string, unknown> = {}) {
  return { name: 'sim-01', image: 'ubuntu-22.04', hostname: 'pod-1', interfaces: { eno1: [{ network: 'public', tagged: false }] }, ...overrides };
}

function body(overrides: Record<string, unknown> = {}) {
  return {
    project: 'demo',
    owner: 'alice',
    end: new Date(Date.now() + 3_600_000).toISOString(),
    networks: [{ name: 'public', public: true }, { name: 'private' }],
    hosts: [host(), { flavor: 'sim.small', image: 'rocky-9', interfaces: { eno1: [{ network: 'public' }] } }],
    access: { sshKeys: [key], vpnUsers: ['alice'] },
    ...overrides,
  };
}

const cases: [string, Record<string, unknown>, string][] = [
  ['a bad SSH key', body({ access: { sshKeys: [key, 'not a key'] } }), 'access.sshKeys.1'],
  ['an SSH key with options', body({ access: { sshKeys: [`command="sh" ${key}`] } }), 'access.sshKeys.0'],
  ['a host name with an underscore', body({ hosts: [host(), { flavor: 'sim.small', image: 'rocky-9', hostname: 'pod_2', interfaces: { eno1: [{ network: 'public' }] } }] }), 'hosts.1.hostname'],
  ['a VPN user with a control character', body({ access: { sshKeys: [key], vpnUsers: ['alice', 'bob\u0007'] } }), 'access.vpnUsers.1'],
  ['an image another flavor has', body({ hosts: [host({ image: 'gpu-ubuntu' })] }), 'hosts.0.image'],
  ['an image another flavor has, by flavor', body({ hosts: [host(), { flavor: 'sim.small', image: 'gpu-ubuntu', interfaces: { eno1: [{ network: 'public' }] } }] }), 'hosts.1.image'],
  ['an unknown NIC', body({ hosts: [host({ interfaces: { eth7: [{ network: 'public' }] } })] }), 'hosts.0.interfaces.eth7'],
  ['a NIC name no OS has', body({ hosts: [host({ interfaces: { 'eno1.5': [{ network: 'public' }] } })] }), 'hosts.0.interfaces.eno1.5'],
  ['an unknown network', body({ hosts: [host({ interfaces: { eno1: [{ network: 'dmz' }] } })] }), 'hosts.0.interfaces.eno1.0.network'],
  ['a VLAN out of the pool', body({ networks: [{ name: 'public', public: true, vlan: 2000 }, { name: 'private' }] }), 'networks.0.vlan'],
  ['a VLAN no switch takes', body({ networks: [{ name: 'public', public: true }, { name: 'private', vlan: 4095 }] }), 'networks.1.vlan'],
];

describe('POST /v1/bookings refuses what a device would refuse', () => {
  it.each(cases)('%s: 400 naming the field, no workflow, no allocation', async (_what, payload, field) => {
    const id = `v-${field.replaceAll('.', '-')}-${Date.now()}`;
    const res = await fx.api.inject({ method: 'POST', url: '/v1/bookings', headers: auth, payload: { ...payload, id } });
    expect(res.statusCode, res.body).toBe(400);
    const err = res.json<{ error: { type: string; message: string } }>().error;
    expect(err.type).toBe('InvalidRequest');
    expect(err.message.startsWith(`${field}: `), err.message).toBe(true);
    // A refused key is never echoed: it may be a private key pasted by mistake.
    expect(err.message).not.toContain('AAAAC3');
    await expect(fx.env.client.workflow.getHandle(bookingWorkflowId(id)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const rows = await fx.env.database.db.selectFrom('bookings').select('id').where('id', '=', id).execute();
    expect(rows).toEqual([]);
    const held = await fx.env.database.db.selectFrom('host_allocations').select('id').where('booking_id', '=', id).execute();
    expect(held).toEqual([]);
  });
});
