import { describe, expect, it } from 'vitest';
import { bookingWorkflowId } from '../../workflows/definitions';
import { useApiFixture } from '../helpers/api-fixture';

// Admission is synchronous (Update-with-Start): the answer to the create says whether the hosts
// and VLANs are held. A refusal names the range that is taken and leaves nothing behind.

const fx = useApiFixture();
const { auth } = fx;

const hour = 3_600_000;
function booking(id: string, host: string, start: number, end: number) {
  return {
    id,
    project: 'demo',
    owner: 'alice',
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    networks: [{ name: 'public', public: true }],
    hosts: [{ name: host, image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public', tagged: false }] } }],
  };
}
const post = (payload: object) => fx.api.inject({ method: 'POST', url: '/v1/bookings', headers: auth, payload });
const running = async (id: string) => {
  try {
    return (await fx.env.client.workflow.getHandle(bookingWorkflowId(id)).describe()).status.name === 'RUNNING';
  } catch {
    return false;
  }
};
const bookingRows = (ids: string[]) => fx.env.database.db.selectFrom('bookings').select('id').where('id', 'in', ids).execute();

describe('admission', () => {
  it('refuses a host another booking holds with 409 and its range, leaves no run and no row, and takes the same id again later', async () => {
    const start = Date.now() + 24 * hour;
    const holder = `adm-holder-${Date.now()}`;
    const first = await post(booking(holder, 'sim-02', start, start + 2 * hour));
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ id: holder, state: 'scheduled', hosts: ['sim-02'], networks: [{ name: 'public', vlan: expect.any(Number) as number }] });

    const refused = `adm-refused-${Date.now()}`;
    const overlap = booking(refused, 'sim-02', start + hour, start + 3 * hour);
    const res = await post(overlap);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json()).toEqual({
      error: {
        type: 'HostUnavailable',
        message: expect.stringContaining('host sim-02 is not available') as string,
        details: { conflict: { start: new Date(start).toISOString(), end: new Date(start + 2 * hour).toISOString() } },
      },
    });
    expect(await running(refused)).toBe(false);
    expect(await bookingRows([refused])).toEqual([]);
    expect(await fx.env.database.db.selectFrom('host_allocations').select('id').where('booking_id', '=', refused).execute()).toEqual([]);

    // Once the holder is gone, the refused id books.
    expect((await fx.api.inject({ method: 'DELETE', url: `/v1/bookings/${holder}`, headers: auth })).statusCode).toBe(202);
    await expect.poll(async () => (await fx.env.database.db.selectFrom('host_allocations').select('id').where('booking_id', '=', holder).execute()).length, { timeout: 20_000 }).toBe(0);
    const again = await post(overlap);
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toMatchObject({ id: refused, state: 'scheduled', hosts: ['sim-02'] });
    // The same request again is the same booking; another one under its id is refused.
    expect((await post(overlap)).json()).toMatchObject({ id: refused, hosts: ['sim-02'] });
    const other = await post({ ...overlap, hosts: [{ ...overlap.hosts[0]!, name: 'sim-04' }] });
    expect(other.statusCode).toBe(409);
    expect(other.json<{ error: { type: string } }>().error.type).toBe('BookingIdConflict');
    await fx.api.inject({ method: 'DELETE', url: `/v1/bookings/${refused}`, headers: auth });
  });

  it('20 creates of the same host and window at once: one 201, nineteen 409, one booking held', async () => {
    const start = Date.now() + 48 * hour;
    const ids = Array.from({ length: 20 }, (_, i) => `adm-race-${Date.now()}-${i}`);
    const answers = await Promise.all(ids.map((id) => post(booking(id, 'sim-03', start, start + hour))));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([201, ...Array<number>(19).fill(409)]);
    for (const a of answers.filter((x) => x.statusCode === 409)) {
      expect(a.json<{ error: { type: string; details: unknown } }>().error).toMatchObject({ type: 'HostUnavailable', details: { conflict: { start: new Date(start).toISOString() } } });
    }
    const winner = ids[answers.findIndex((a) => a.statusCode === 201)]!;
    expect((await bookingRows(ids)).map((r) => r.id)).toEqual([winner]);
    const held = await fx.env.database.db
      .selectFrom('host_allocations')
      .innerJoin('hosts', 'hosts.id', 'host_allocations.host_id')
      .select('booking_id')
      .where('hosts.name', '=', 'sim-03')
      .execute();
    expect(held).toEqual([{ booking_id: winner }]);
    for (const id of ids) if (id !== winner) expect(await running(id)).toBe(false);

    // A booking that starts later says so until its start.
    const view = await fx.api.inject({ method: 'GET', url: `/v1/bookings/${winner}`, headers: auth });
    expect(view.json<{ state: string }>().state).toBe('scheduled');
    await fx.api.inject({ method: 'DELETE', url: `/v1/bookings/${winner}`, headers: auth });
  });
});
