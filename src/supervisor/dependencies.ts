import {type ProcessKind, STARTS_AFTER} from '../plan/types.js'
import type {Clock} from './clock.js'
import type {StateName} from './state.js'

/** What the rule needs to know about each supervised process. */
export interface ProcessView {
  name: string
  kind: ProcessKind
  state: StateName
  /** RUNNING and its last liveness probe passed. */
  healthy: boolean
  /** Masters: their own ip:port, and the leader they named in their last passing probe. */
  address?: string
  leader?: string
}

/**
 * After a dependency is healthy again, a dependent gets this long to find it by itself before its failures count:
 * a volume server whose heartbeat stream broke retries after 5 s, and one told "not the leader" reconnects after
 * 3 s (seaweedfs-ops §2.4), so twice the 5 s pulse.
 */
export const DEPENDENCY_GRACE_MS = 10_000

/**
 * Whether a process that fails its liveness probe while still answering should be left alone: its failure is
 * the failure of something it depends on (the kinds in STARTS_AFTER; a master depends on its peers for a leader).
 * Restarting it then helps nothing and costs a reconnect; it recovers by itself once the dependency is back.
 * A process that does not answer at all is never judged here: it is restarted as usual.
 */
export class DependencyRule {
  /** When each kind last became healthy again after being unhealthy. */
  private recoveredAt = new Map<ProcessKind, number>()
  private unhealthy = new Set<ProcessKind>()

  constructor(private readonly clock: Clock, private readonly graceMs = DEPENDENCY_GRACE_MS) {}

  /** Call with the current view whenever states change, so recoveries are timed from when they happen. */
  observe(processes: readonly ProcessView[]): void {
    for (const kind of new Set(processes.map((p) => p.kind))) {
      const down = processes.some((p) => p.kind === kind && !p.healthy)
      if (down) this.unhealthy.add(kind)
      else if (this.unhealthy.delete(kind)) this.recoveredAt.set(kind, this.clock.now())
    }
  }

  /** Why `self` should wait instead of being restarted ("masters have no leader"), or undefined: judge it alone. */
  waitingOn(self: ProcessView, processes: readonly ProcessView[]): string | undefined {
    this.observe(processes)
    const needs = self.kind === 'master' ? ['master' as const] : STARTS_AFTER[self.kind]
    for (const kind of needs) {
      const members = processes.filter((p) => p.kind === kind && p.name !== self.name)
      if (members.length === 0) continue
      const down = members.filter((p) => !p.healthy)
      if (down.length > 0) return describeDown(kind, down, down.length === members.length)
      const since = this.recoveredAt.get(kind)
      if (since !== undefined && this.clock.now() - since < this.graceMs) {
        return `${plural(kind)} recovered ${Math.round((this.clock.now() - since) / 1000)}s ago`
      }
    }
    return undefined
  }

  /**
   * Why a master that exited should not be started again yet: while it was the leader, its peers (a majority
   * without it) are electing another, and a restarted old leader only disturbs that election; once they name a
   * new leader it rejoins as a follower. Without such a majority it is needed at once, so nothing is held.
   */
  holdRestart(self: ProcessView, processes: readonly ProcessView[]): string | undefined {
    if (self.kind !== 'master') return undefined
    const masters = processes.filter((p) => p.kind === 'master')
    const peers = masters.filter((p) => p.name !== self.name)
    const alive = peers.filter((p) => p.state === 'RUNNING' || p.state === 'UNHEALTHY')
    if (alive.length < Math.floor(masters.length / 2) + 1) return undefined
    const named = new Set(alive.filter((p) => p.healthy).map((p) => p.leader))
    const [leader] = named
    if (named.size === 1 && leader !== undefined && leader !== self.address) return undefined
    return 'the other masters are electing a new leader'
  }
}

function describeDown(kind: ProcessKind, down: readonly ProcessView[], all: boolean): string {
  const which = down.map((p) => `${p.name} ${p.state}`).join(', ')
  if (kind === 'master') return all ? `masters have no leader (${which})` : `masters not all healthy (${which})`
  return `${plural(kind)} down (${which})`
}

function plural(kind: ProcessKind): string {
  return kind === 's3' ? 'S3 gateways' : kind === 'volume' ? 'volume servers' : `${kind}s`
}
