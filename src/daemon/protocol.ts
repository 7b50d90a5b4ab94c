import type {Plan} from '../plan/types.js'

/** What `up` hands the daemon in runDir/plan.json. */
export interface DaemonLaunchFile {
  plan: Plan
  weedPath: string
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
