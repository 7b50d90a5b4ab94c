/** The computed layout of a cluster: everything needed to start, probe and stop each process. */

export type ProcessKind = 'master' | 'volume' | 'filer' | 's3'

/** Start order; stop order is the reverse. */
export const KIND_ORDER: readonly ProcessKind[] = ['master', 'volume', 'filer', 's3']

/**
 * What each kind must find ready before it starts. Volume servers and filers need the masters (a filer that
 * finds no master sleeps 7 s before it retries); S3 gateways need a filer. A filer does not need the volume
 * servers, so it starts alongside them once the masters are ready, as a careful hand-written script would.
 */
export const STARTS_AFTER: Readonly<Record<ProcessKind, readonly ProcessKind[]>> = {
  master: [],
  volume: ['master'],
  filer: ['master'],
  s3: ['filer'],
}

/**
 * How to tell that a process is ready (or still alive). Every probe is an HTTP request on loopback with a
 * short timeout; a failed or slow answer is "not yet", never an exception.
 */
export type Probe =
  /** Master: /cluster/status names a leader, and with several masters every one names the same. */
  | {kind: 'masterLeader'; urls: string[]}
  /** Volume server: its /status answers 200 and the master's /dir/status lists `node` (ip:port). */
  | {kind: 'volumeListed'; statusUrl: string; masterUrls: string[]; node: string}
  /** Any HTTP endpoint answering 200. */
  | {kind: 'http'; url: string}
  /**
   * S3 gateway: a SigV4-signed ListBuckets answers 200. The keys are read from the 0600 credentials file at
   * each probe, so plan.json (and the daemon's memory of the plan) never holds a secret.
   */
  | {kind: 's3Signed'; endpoint: string; credentialsFile: string; region: string}

export interface ProcessPlan {
  name: string
  kind: ProcessKind
  /** 1-based instance number within its kind; stable across scale cycles. */
  index: number
  /** The IP it advertises and binds: the spec's bind, or for a volume server on loopback its own (volumeHost). */
  host: string
  /** Arguments after the weed executable: global flags first, then the subcommand and its flags. */
  args: string[]
  cwd: string
  /** The whole environment of the process (weed reads PORT, IP, DIR, MASTER… from it, so nothing is inherited). */
  env: Record<string, string>
  /** `metrics`: where it serves Prometheus /metrics (absent with metrics.enabled false). */
  ports: {http: number; grpc: number; metrics?: number}
  /** The spec's extra weed flags for this process (`KIND.args`, then its `processes[]` entry); also at the end of `args`. */
  extraArgs?: string[]
  /** Where this process keeps its data (created before start). */
  dataDir: string
  logFile: string
  /** Volume servers only. */
  placement?: {dataCenter: string; rack: string}
  readiness: Probe
  liveness: Probe
  stopSignal: 'SIGTERM'
  stopTimeoutMs: number
}

export interface Plan {
  name: string
  /** The spec file this plan was made from, if any. */
  specFile?: string
  dataDir: string
  /** Runtime state: plan.json, state.json, the daemon's log. */
  runDir: string
  /** The supervisor's unix socket (short enough for the 108-byte limit). */
  socketPath: string
  logDir: string
  configDir: string
  weedVersion: string
  replication: string
  supervise: {restart: 'always' | 'on-failure' | 'never'; startTimeoutMs: number; healthIntervalMs: number; unhealthyThreshold: number}
  logs: {maxBytes: number; backups: number}
  processes: ProcessPlan[]
  endpoints: {master: string; filer?: string; s3?: string}
  /** With S3 gateways: where their keys live and what `up` sets up (no secret here). */
  s3?: S3Plan
  /** Every directory that must exist and be writable before anything starts. */
  directories: string[]
}

export interface S3Plan {
  region: string
  /** Created by `up` (idempotent); `up --bucket` adds to this list for that run. */
  buckets: string[]
  /** 0700 directory in the run directory holding the two 0600 files below. */
  dir: string
  /** seaweedctl's record of every identity and its keys (read by the probe, the canary and `env`). */
  credentialsFile: string
  /** weed's identities file, passed to each gateway as -config. */
  configFile: string
  /** The gateways' own -config_dir (0700): it holds only their security.toml. */
  configDir: string
  /** security.toml (0600) with `[s3.sse] kek`, the SSE-S3 key-encryption key (weed derives its STS signing key from it). */
  securityFile: string
  /** A KEK the spec brings (s3.sse.kekFile): 64 hex characters or 32 raw bytes, mode 0600. */
  kekFile?: string
  /** The admin identity's fixed key, if the spec names one. */
  accessKey?: {accessKeyId: string; secretKeyFile: string}
  identities: Array<{name: string; actions: string[]; accessKeyId?: string; secretKeyFile?: string}>
  /** An existing weed s3.json whose identities are added. */
  importConfig?: string
  anonymousRead: string[]
}
