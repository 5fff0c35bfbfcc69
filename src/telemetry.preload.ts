import { readFileSync } from 'node:fs'
import { ConfigError, loadConfig } from './config.ts'
import { startTelemetry } from './platform/process/telemetry.ts'

/**
 * Loaded before the app (`--import`), because OpenTelemetry can only patch the HTTP server, pg,
 * ioredis and pino when it starts before they are imported. Does nothing unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
let config: ReturnType<typeof loadConfig> | null = null
try {
  config = loadConfig()
} catch (error) {
  // The command itself reports bad configuration, with every bad key.
  if (!(error instanceof ConfigError)) throw error
}
if (config?.otlpEndpoint) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  startTelemetry({ serviceName: config.serviceName, version, otlpEndpoint: config.otlpEndpoint })
}
