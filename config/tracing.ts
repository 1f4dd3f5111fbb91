import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Resource } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** The one setting: an OTLP/HTTP collector's base URL (spans go to `<url>/v1/traces`); unset, no tracing. */
export const OTEL_SETTING = 'LAAS_OTEL_ENDPOINT';

export interface Tracing {
  /** Give to Worker.create / new Client (`plugins`): spans for workflows, activities and client calls. */
  plugin: OpenTelemetryPlugin;
  /** Send what is buffered now (tests, and before exit). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry tracing through Temporal's interceptors: a span for each workflow run, each
 * activity attempt (each step of each host) and each client call, linked across processes by the
 * headers Temporal carries. Spans name the workflow or activity type, never its arguments.
 */
export function createTracing(spanProcessor: SpanProcessor, service: string): Tracing {
  // Temporal carries the active span in its headers (W3C trace context): the context follows async calls.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const resource = new Resource({ 'service.name': service });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  const plugin = new OpenTelemetryPlugin({ resource, spanProcessor, tracer: provider.getTracer('laas') });
  return { plugin, flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

/** Tracing as LAAS_OTEL_ENDPOINT says: off (null) when unset. */
export function tracingFromEnv(env: NodeJS.ProcessEnv, service: string): Tracing | null {
  const endpoint = env[OTEL_SETTING]?.trim();
  if (!endpoint) return null;
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  return createTracing(new BatchSpanProcessor(new OTLPTraceExporter({ url })), service);
}
