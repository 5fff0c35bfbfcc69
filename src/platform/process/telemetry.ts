import { register } from 'node:module'
import FastifyOtelInstrumentation from '@fastify/otel'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { NodeSDK } from '@opentelemetry/sdk-node'
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'

export interface TelemetryOptions {
  serviceName: string
  version: string
  /** OTLP over HTTP, e.g. http://collector:4318; traces go there in batches. */
  otlpEndpoint?: string
  /** Tests pass an in-memory exporter; spans are exported one by one. */
  exporter?: SpanExporter
}

/**
 * Traces over OpenTelemetry: HTTP, Fastify, PostgreSQL, Redis, and trace ids in pino's log lines.
 * Must start before those libraries are imported, so the process starts it from a preload.
 */
export function startTelemetry(options: TelemetryOptions): { shutdown(): Promise<void> } {
  if (active) return active
  // ES modules are only patched through a loader hook; CommonJS ones through require.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url)
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${options.otlpEndpoint?.replace(/\/$/, '')}/v1/traces` }),
      )
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      'service.version': options.version,
    }),
    spanProcessors: [processor],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => request.url === '/metrics' }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true }),
      new PgInstrumentation(),
      new IORedisInstrumentation(),
      new PinoInstrumentation(),
    ],
  })
  sdk.start()
  active = { shutdown: () => sdk.shutdown() }
  return active
}

let active: { shutdown(): Promise<void> } | null = null

/** Flushes and stops tracing, if it was started; the last step of a graceful shutdown. */
export async function stopTelemetry(): Promise<void> {
  const running = active
  active = null
  await running?.shutdown()
}
