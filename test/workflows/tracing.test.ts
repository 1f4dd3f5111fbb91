import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { tracingFromEnv, type Tracing } from '../../config/tracing';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';

// LAAS_OTEL_ENDPOINT on: a booking's workflows and steps reach an OTLP/HTTP receiver as spans
// (an in-process one here, as a collector would take them), with no booking secret in them.
interface OtlpBody {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { name: string; traceId: string }[] }[] }[];
}
const bodies: string[] = [];
let receiver: Server;
let tracing: Tracing;
let lab: LabWorker;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') bodies.push(body);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as { port: number };
  const t = tracingFromEnv({ LAAS_OTEL_ENDPOINT: `http://127.0.0.1:${port}/` }, 'laas-worker');
  if (!t) throw new Error('tracing should be on');
  tracing = t;
  lab = await startLabWorker({ tracing });
}, 120_000);
afterAll(async () => {
  await lab?.close();
  await tracing?.shutdown();
  receiver?.close();
});

describe('OpenTelemetry tracing', () => {
  it('is off without LAAS_OTEL_ENDPOINT', () => {
    expect(tracingFromEnv({}, 'laas-worker')).toBeNull();
    expect(tracingFromEnv({ LAAS_OTEL_ENDPOINT: ' ' }, 'laas-worker')).toBeNull();
  });

  it('sends spans of the booking workflow and each step to the OTLP endpoint', { timeout: 120_000 }, async () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u trace-secret@laptop';
    const input = sampleBooking(['sim-03'], { access: { sshKeys: [key], vpnUsers: [] } });
    const handle = await startBooking(lab.client, lab.taskQueue, input);
    await waitForState(handle, ['active']);
    await tracing.flush();
    const spans = bodies.flatMap((b) => (JSON.parse(b) as OtlpBody).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => ({ ...x, resource: r.resource })))));
    const names = spans.map((s) => s.name);
    expect(names).toContain('StartWorkflow:bookingWorkflow');
    // The workflow's own spans (its run lasts the lease, so it ends later): the child it starts, the steps it schedules.
    expect(names).toContain('StartChildWorkflow:hostWorkflow');
    expect(names).toContain('StartActivity:imageHost');
    for (const step of ['preparePower', 'imageHost', 'configureSwitchPorts', 'writeNetworkFiles', 'installSshKeys']) expect(names, step).toContain(`RunActivity:${step}`);
    // One trace from the client's start to the host's steps.
    const start = spans.find((s) => s.name === 'StartWorkflow:bookingWorkflow')!;
    expect(spans.find((s) => s.name === 'RunActivity:imageHost')!.traceId).toBe(start.traceId);
    expect(start.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'laas-worker' } });
    expect(bodies.join('')).not.toContain('trace-secret');
  });
});
