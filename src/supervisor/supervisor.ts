import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {KIND_ORDER, type Plan, type ProcessKind, STARTS_AFTER} from '../plan/types.js'
import type {Clock} from './clock.js'
import type {Launcher} from './launcher.js'
import {ManagedProcess} from './managed-process.js'
import {procIdentity, sameProcess, type ProcIdentity} from './proc.js'
import type {ProbeResult} from './probes.js'
import type {Probe} from '../plan/types.js'
import {describeExit} from './state.js'
import type {ProcessStatus, StatusReport} from './status-types.js'

export interface SupervisorDeps {
  launcher: Launcher
  probe: (probe: Probe, timeoutMs: number) => Promise<ProbeResult>
  clock: Clock
  weedPath: string
}

interface SavedState {
  processes: Array<{name: string} & ProcIdentity>
}

/**
 * Runs a plan: starts kinds in order (each only once the kind before it is ready), keeps them alive, stops
 * them in reverse order, and records who is running (pid + start time + command line) so a later daemon can
 * find them again.
 */
export class Supervisor {
  processes: ManagedProcess[]
  private readonly statePath: string
  private readonly startedAt: number
  private waiters: Array<() => void> = []
  private startSequence: Promise<void> | undefined

  constructor(public plan: Plan, private readonly deps: SupervisorDeps) {
    this.statePath = join(plan.runDir, 'state.json')
    this.startedAt = deps.clock.now()
    this.processes = plan.processes.map((p) => this.manage(p))
  }

  private manage(process: Plan['processes'][number]): ManagedProcess {
    return new ManagedProcess(process, {
      launcher: this.deps.launcher,
      probe: this.deps.probe,
      clock: this.deps.clock,
      weedPath: this.deps.weedPath,
      policy: this.plan.supervise,
      onChange: () => this.changed(),
    })
  }

  /**
   * Take a new plan at runtime (scale): processes that are in both plans are left exactly as they are (never
   * restarted); new ones are started; ones no longer planned must already be stopped and are forgotten.
   */
  reconfigure(plan: Plan): {added: string[]; removed: string[]} {
    const current = new Map(this.processes.map((p) => [p.name, p]))
    const removed = this.processes.filter((p) => !plan.processes.some((q) => q.name === p.name))
    const running = removed.find((p) => p.pid !== undefined)
    if (running) throw new Error(`${running.name} is still running (pid ${running.pid}); stop it before removing it from the plan`)
    this.plan = plan
    const added: ManagedProcess[] = []
    this.processes = plan.processes.map((q) => {
      const existing = current.get(q.name)
      if (existing) return existing
      const created = this.manage(q)
      added.push(created)
      return created
    })
    for (const p of added) p.start()
    this.changed()
    return {added: added.map((p) => p.name), removed: removed.map((p) => p.name)}
  }

  /** Adopt processes an earlier daemon left running (same pid, start time and command line). Returns their names. */
  adoptSurvivors(): string[] {
    if (!existsSync(this.statePath)) return []
    let saved: SavedState
    try {
      saved = JSON.parse(readFileSync(this.statePath, 'utf8')) as SavedState
    } catch {
      return []
    }
    const adopted: string[] = []
    for (const entry of saved.processes ?? []) {
      const process = this.processes.find((p) => p.name === entry.name)
      const live = procIdentity(entry.pid)
      if (!process || !live || !sameProcess(live, entry)) continue
      process.adopt(this.deps.launcher.adopt(live))
      adopted.push(entry.name)
    }
    return adopted
  }

  /** Start every process that is not running, kind by kind. Resolves when the sequence ends (ready or failed). */
  startAll(): Promise<void> {
    this.startSequence ??= this.runStartSequence().finally(() => {
      this.startSequence = undefined
    })
    return this.startSequence
  }

  /** Each kind starts once every kind it depends on is RUNNING; a failed dependency stops the sequence. */
  private async runStartSequence(): Promise<void> {
    // STOPPED is not settled: this very sequence is about to start it.
    const settled = (kind: ProcessKind) => this.ofKind(kind).every((p) => p.state.name === 'RUNNING' || p.state.name === 'FATAL' || p.state.name === 'EXITED')
    const ready = (kind: ProcessKind) => this.ofKind(kind).every((p) => p.state.name === 'RUNNING')
    await Promise.all(KIND_ORDER.map(async (kind) => {
      const needs = STARTS_AFTER[kind]
      await this.waitFor(() => needs.every(settled))
      if (!needs.every(ready)) return
      for (const p of this.ofKind(kind)) p.start()
    }))
  }

  /** Stop everything in reverse start order, each kind in parallel. */
  async stopAll(): Promise<void> {
    for (const kind of [...KIND_ORDER].reverse()) {
      await Promise.all(this.ofKind(kind).map((p) => p.stop()))
    }
  }

  ofKind(kind: ProcessKind): ManagedProcess[] {
    return this.processes.filter((p) => p.plan.kind === kind)
  }

  report(daemonPid: number): StatusReport {
    const now = this.deps.clock.now()
    return {
      name: this.plan.name,
      version: this.version,
      daemon: {pid: daemonPid, startedAt: new Date(this.startedAt).toISOString(), uptimeMs: now - this.startedAt},
      endpoints: this.plan.endpoints,
      processes: this.processes.map((p): ProcessStatus => {
        const s = p.state
        const since = 'since' in s ? s.since : undefined
        return {
          name: p.name,
          kind: p.plan.kind,
          state: s.name,
          pid: p.pid ?? null,
          uptimeMs: (s.name === 'RUNNING' || s.name === 'UNHEALTHY') && since !== undefined ? now - since : null,
          address: `${p.plan.host}:${p.plan.ports.http}`,
          ports: {...p.plan.ports},
          restarts: p.restarts,
          health: s.name === 'FATAL' ? s.reason : s.name === 'BACKOFF' ? `restarting in ${Math.max(0, Math.round((s.until - now) / 100) / 10)}s: ${s.reason}` : s.name === 'EXITED' ? describeExit(s.exit) : p.healthDetail,
          lastRestart: p.lastRestartAt !== undefined && p.lastRestartReason ? {agoMs: now - p.lastRestartAt, reason: p.lastRestartReason} : null,
          logFile: p.plan.logFile,
        }
      }),
    }
  }

  /** Resolves true once `condition` holds (checked after every state change). */
  private waitFor(condition: () => boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (condition()) {
          resolve(true)
          return true
        }
        return false
      }
      if (check()) return
      const waiter = () => {
        if (!check()) this.waiters.push(waiter)
      }
      this.waiters.push(waiter)
    })
  }

  /** Counts state changes, so a client can wait for the next one instead of polling. */
  version = 0

  /** Resolves when the state version passes `after`, or after `timeoutMs` at the latest. */
  async changedSince(after: number, timeoutMs: number): Promise<void> {
    if (this.version > after) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.waitFor(() => this.version > after),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs)
      }),
    ])
    clearTimeout(timer)
  }

  private changed(): void {
    this.version++
    this.saveState()
    for (const w of this.waiters.splice(0)) w()
  }

  private saveState(): void {
    const processes = this.processes.flatMap((p) => (p.identity ? [{name: p.name, ...p.identity}] : []))
    try {
      writeFileAtomic(this.statePath, `${JSON.stringify({processes}, null, 2)}\n`, 0o600)
    } catch {
      // The run directory vanished (purge in progress); nothing to record.
    }
  }
}
