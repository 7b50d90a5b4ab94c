import type {Plan} from '../plan/types.js'

/** What `up` hands the daemon in runDir/plan.json. */
export interface DaemonLaunchFile {
  plan: Plan
  weedPath: string
  /** The weed each process runs, when not `weedPath` at `plan.weedVersion` (during and after a rolling upgrade). */
  weeds?: Record<string, ProcessWeed>
  /**
   * The process that owns the cluster (the API's stopOnExit): when it is gone — however it ended, even by
   * SIGKILL — the daemon stops the cluster, and with `purge` deletes its data directory.
   */
  owner?: ClusterOwner
  /** Where the daemon registers the cluster (src/daemon/registry.ts): the launching command's state directory. */
  registryDir?: string
}

/** The binary a process was started with, and its version. */
export interface ProcessWeed {
  path: string
  version: string
}

/** POST /v1/replace: run `plan` (and `weed`) for process `name` from now on, restarting it. */
export interface ReplaceRequest {
  name: string
  plan: Plan['processes'][number]
  weed?: ProcessWeed
  reason: string
}

export interface ClusterOwner {
  pid: number
  /** Start time (clock ticks since boot), so a recycled pid is not mistaken for the owner. */
  startTime: number
  purge: boolean
}

export const PLAN_FILE = 'plan.json'
export const DAEMON_FILE = 'daemon.json'
export const DAEMON_LOG = 'daemon.log'

/** runDir/daemon.json: who the daemon is, so a stale one is recognised. */
export interface DaemonRecord {
  pid: number
  startTime: number
  socketPath: string
}

/** How long a command waits for the daemon's answer to a status request before calling it hung. */
export const DAEMON_ANSWER_MS = 3000
