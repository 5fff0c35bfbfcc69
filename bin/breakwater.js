#!/usr/bin/env node
// The installed `breakwater` command: runs the TypeScript sources through tsx. Telemetry loads
// first, because it must patch libraries before the app imports them.
import { register } from 'tsx/esm/api'

register()
await import('../src/telemetry.preload.ts')
await import('../src/main.ts')
