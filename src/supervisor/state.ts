/**
 * The life of one supervised process, with supervisord's state names.
 *
 *            start                 ready probe passes
 *   STOPPED ───────► STARTING ─────────────────────────► RUNNING ◄──────┐
 *      ▲                │  exit / start timeout            │  │ probe ok │
 *      │                ▼                                  │  ▼          │
 *      │             BACKOFF ──(delay)──► STARTING   probe fails N× ─► UNHEALTHY
 *      │                │ too many failures                │ exit          │ restart
 *      │                ▼                                  ▼               ▼
 *      │              FATAL                 BACKOFF / EXITED (policy)  STOPPING ─► STARTING
 *      │ stop (any state)
 *   STOPPING ◄─────────────
 */
export type StateName = 'STOPPED' | 'STARTING' | 'RUNNING' | 'UNHEALTHY' | 'BACKOFF' | 'STOPPING' | 'EXITED' | 'FATAL'

/** How a process ended: an exit code, or the signal that killed it. */
export type ExitInfo = {code: number; signal?: undefined} | {code?: undefined; signal: NodeJS.Signals}

export type ProcessState =
  | {name: 'STOPPED'}
  | {name: 'STARTING'; pid: number; since: number; attempt: number}
  | {name: 'RUNNING'; pid: number; since: number; detail: string}
  | {name: 'UNHEALTHY'; pid: number; since: number; detail: string}
  | {name: 'BACKOFF'; until: number; lastExit: ExitInfo; reason: string}
  | {name: 'STOPPING'; pid: number; since: number; then: 'STOPPED' | 'restart' | 'failure'}
  | {name: 'EXITED'; at: number; exit: ExitInfo}
  | {name: 'FATAL'; at: number; reason: string}

export function pidOf(state: ProcessState): number | undefined {
  switch (state.name) {
    case 'STARTING':
    case 'RUNNING':
    case 'UNHEALTHY':
    case 'STOPPING':
      return state.pid
    case 'STOPPED':
    case 'BACKOFF':
    case 'EXITED':
    case 'FATAL':
      return undefined
    default: {
      const unknown: never = state
      throw new Error(`unknown state ${JSON.stringify(unknown)}`)
    }
  }
}

export function describeExit(exit: ExitInfo): string {
  if (exit.signal) return `killed by ${exit.signal}`
  return exit.code === -1 ? 'ended (exit status unknown: started by an earlier daemon)' : `exited with code ${exit.code}`
}
