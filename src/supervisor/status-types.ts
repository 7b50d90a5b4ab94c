import type {ProcessKind} from '../plan/types.js'
import type {StateName} from './state.js'

/** What `status --json` prints (and the daemon's GET /v1/status returns). Stable across releases. */
export interface ProcessStatus {
  name: string
  kind: ProcessKind
  state: StateName
  pid: number | null
  uptimeMs: number | null
  /** Where it listens for HTTP, host:port ("127.0.0.3:8082"): volume servers on loopback each have their own IP. */
  address: string
  ports: {http: number; grpc: number}
  restarts: number
  health: string
  lastRestart: {agoMs: number; reason: string} | null
  logFile: string
}

export interface StatusReport {
  name: string
  /** Increases with every state change (absent when no daemon answers). */
  version?: number
  daemon: {pid: number; startedAt: string; uptimeMs: number} | null
  endpoints: {master: string; filer?: string; s3?: string}
  processes: ProcessStatus[]
}
