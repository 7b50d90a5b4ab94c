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
  /** `metrics`: its Prometheus /metrics port, when metrics are on. */
  ports: {http: number; grpc: number; metrics?: number}
  /** The command line it runs (or would run): the weed executable, then its arguments. */
  command: string[]
  restarts: number
  health: string
  /** Masters only: whether this master is the leader the masters agree on. */
  leader?: boolean
  lastRestart: {agoMs: number; reason: string} | null
  logFile: string
  /** The weed version the process runs (they differ for a moment during `weed upgrade`). */
  weedVersion: string
}

export interface StatusReport {
  name: string
  /** Increases with every state change (absent when no daemon answers). */
  version?: number
  daemon: {pid: number; startedAt: string; uptimeMs: number} | null
  endpoints: {master: string; filer?: string; s3?: string}
  /** The master leading the raft group ("ip:port"), null while the masters agree on none (absent without a daemon). */
  leader?: string | null
  /** The S3 endpoint and the admin access key id (never the secret; `seaweedctl env` prints that); null without a gateway or keys. */
  s3: {endpoint: string; accessKeyId: string; region: string; buckets: string[]} | null
  processes: ProcessStatus[]
  /** Set when the running cluster is not the one the spec file describes now (its dataDir or name was edited, or the file deleted). */
  notice?: string
  /** An operation (scale, applying the file) in progress or left unfinished; absent when none is (not from the daemon: the CLI adds it). */
  operation?: OperationStatus
}

/** One step of a journalled operation (services/journal.ts). */
export interface JournalStep {
  action: 'drain' | 'stop' | 'restart' | 'start'
  process: string
  /** Volume servers: the ip:port weed knows it by (maintenance mode is set per node). */
  node?: string
  state: 'pending' | 'active' | 'done'
  /** A drain: how many volumes the server held when it began, and how many it still holds. */
  volumes?: {total: number; left: number}
  /** A restart: the pid the process had before it (a new pid RUNNING means the restart happened). */
  pid?: number | null
}

/** Running while its command lives; interrupted when it cleaned up after a signal; killed when it just died. */
export type JournalState = 'running' | 'interrupted' | 'killed'

/** What `status` reports about an operation in progress or left unfinished. */
export interface OperationStatus {
  state: JournalState
  command: string
  pid: number
  startedAt: string
  /** For people: what was done, what is left, and the command that finishes it or undoes it. */
  message: string
  /** Volume servers that may still be in maintenance mode because of it. */
  maintenance: string[]
  steps: JournalStep[]
}
